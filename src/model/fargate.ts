/**
 * How EKS Fargate sizes a pod, as data: it adds 256 MiB to the memory the containers request for
 * its own Kubernetes components, then rounds up to the smallest vCPU/memory combination that
 * holds both. What the pod is billed for is that combination, not the requests.
 */

/** Each Fargate vCPU size with the memory sizes (GiB) it can have. */
export const FARGATE_SIZES: readonly { readonly vcpu: number; readonly memoryGiB: readonly number[] }[] = [
  { vcpu: 0.25, memoryGiB: [0.5, 1, 2] },
  { vcpu: 0.5, memoryGiB: range(1, 4, 1) },
  { vcpu: 1, memoryGiB: range(2, 8, 1) },
  { vcpu: 2, memoryGiB: range(4, 16, 1) },
  { vcpu: 4, memoryGiB: range(8, 30, 1) },
  { vcpu: 8, memoryGiB: range(16, 60, 4) },
  { vcpu: 16, memoryGiB: range(32, 120, 8) },
];

/** What Fargate adds to the requested memory for the kubelet, kube-proxy and containerd. */
export const FARGATE_OVERHEAD_MIB = 256;

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** A CPU quantity (250m, 0.5, 2) in vCPU. */
export function cpuOf(q: string): number {
  return q.endsWith('m') ? Number.parseInt(q, 10) / 1000 : Number.parseFloat(q);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = { '': 1 / (1024 * 1024), k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576, Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/** A memory quantity (512Mi, 2Gi, 1G) in MiB. */
export function memoryMiBOf(q: string): number {
  const m = /^([0-9]+)([A-Za-z]*)$/.exec(q);
  const unit = m ? MEMORY_UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new Error(`not a memory quantity: ${q}`);
  return Number.parseInt(m[1]!, 10) * unit;
}

export interface FargateSize {
  readonly vcpu: number;
  readonly memoryGiB: number;
}

/** The Fargate size a pod with these requests runs as (and is billed for), or null when none is large enough. */
export function fargateSize(requests: { readonly cpu: string; readonly memory: string }): FargateSize | null {
  const cpu = cpuOf(requests.cpu);
  const memoryGiB = (memoryMiBOf(requests.memory) + FARGATE_OVERHEAD_MIB) / 1024;
  for (const s of FARGATE_SIZES) {
    if (s.vcpu < cpu) continue;
    const memory = s.memoryGiB.find((g) => g >= memoryGiB);
    if (memory !== undefined) return { vcpu: s.vcpu, memoryGiB: memory };
  }
  return null;
}

/** The largest pod Fargate runs, for messages. */
export const FARGATE_MAX = { vcpu: 16, memoryGiB: 120 } as const;

export const describeFargateSize = (s: FargateSize): string => `${s.vcpu} vCPU, ${s.memoryGiB} GB`;
