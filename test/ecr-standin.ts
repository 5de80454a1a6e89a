/**
 * ECR as the pipeline's shell meets it, offline. The registry side is Debian's docker-registry,
 * the API side is moto; this proxy in front of the registry joins them as ECR does:
 * - it answers only requests with the Basic credentials `AWS:<password>` that moto's
 *   GetAuthorizationToken gives (what `aws ecr get-login-password | docker login
 *   --password-stdin` sends), and 401 with a Basic challenge otherwise;
 * - a manifest pushed under a tag is recorded in moto (PutImage with the manifest as pushed, its
 *   media type and the registry's digest): `aws ecr describe-images` and `batch-get-image` then
 *   see the image under the digest the registry gives it, as in ECR, where the digest is the
 *   manifest's sha256;
 * - a push moto refuses (an IMMUTABLE repository's existing tag, an unknown repository) is
 *   refused to the pusher, as ECR refuses it.
 * Tags added later through the API (put-image) live in moto only: the pipeline deploys by digest.
 * It records what went through: manifests pushed and blobs uploaded.
 */
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export interface EcrStandin {
  /** 127.0.0.1:<port>: the registry host the pipeline pushes to (image.registry). */
  readonly host: string;
  readonly ecr: ECRClient;
  /** The `Authorization` header a logged-in client sends. */
  readonly authorization: string;
  /** Manifests pushed under a tag, and blob uploads completed, in order. */
  readonly pushed: { readonly manifests: { repository: string; tag: string; digest: string }[]; readonly blobs: string[] };
  stop(): Promise<void>;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

function registryError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers });
  res.end(JSON.stringify({ errors: [{ code, message }] }));
}

/** Starts the proxy on a free port of 127.0.0.1 in front of `registry`, recording pushes in moto at `motoEndpoint`. */
export async function startEcrStandin(o: { registry: string; motoEndpoint: string; region: string }): Promise<EcrStandin> {
  const ecr = new ECRClient({ endpoint: o.motoEndpoint, region: o.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error('moto gave no ECR authorization token');
  const authorization = `Basic ${token}`;
  const [upHost, upPort] = o.registry.split(':') as [string, string];
  const pushed = { manifests: [] as { repository: string; tag: string; digest: string }[], blobs: [] as string[] };
  let host = '';

  const forward = (req: IncomingMessage, res: ServerResponse, payload: Buffer | null, after?: (status: number, headers: Record<string, string | string[] | undefined>) => Promise<{ status: number; code: string; message: string } | null>) => {
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = httpRequest({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers }, (r) => {
      if (!after) {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        return;
      }
      void body(r).then(async (text) => {
        const refused = await after(r.statusCode ?? 502, r.headers);
        if (refused) return registryError(res, refused.status, refused.code, refused.message);
        res.writeHead(r.statusCode ?? 502, r.headers);
        res.end(text);
      });
    });
    up.on('error', (e) => registryError(res, 502, 'UNAVAILABLE', String(e)));
    if (payload) up.end(payload);
    else req.pipe(up);
  };

  const server = createServer((req, res) => {
    if (req.headers.authorization !== authorization) {
      return registryError(res, 401, 'DENIED', 'Not Authorized', { 'www-authenticate': `Basic realm="http://${host}/",service="ecr.amazonaws.com"` });
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    const manifest = req.method === 'PUT' ? /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname) : null;
    if (req.method === 'PUT' && /\/blobs\/uploads\//.test(url.pathname) && url.searchParams.has('digest')) {
      return forward(req, res, null, async (status) => {
        if (status === 201) pushed.blobs.push(url.searchParams.get('digest')!);
        return null;
      });
    }
    if (!manifest || manifest[2]!.startsWith('sha256:')) return forward(req, res, null);
    const [, repository, tag] = manifest as unknown as [string, string, string];
    void body(req).then((payload) =>
      forward(req, res, payload, async (status, headers) => {
        if (status !== 201) return null;
        const digest = String(headers['docker-content-digest']);
        try {
          await ecr.send(
            new PutImageCommand({
              repositoryName: repository,
              imageTag: tag,
              imageManifest: payload.toString('utf8'),
              imageManifestMediaType: String(req.headers['content-type']),
              imageDigest: digest,
            }),
          );
        } catch (e) {
          const name = (e as Error).name;
          if (name === 'RepositoryNotFoundException') return { status: 404, code: 'NAME_UNKNOWN', message: `repository ${repository} does not exist` };
          return { status: 400, code: 'TAG_INVALID', message: `${name}: ${(e as Error).message}` };
        }
        pushed.manifests.push({ repository, tag, digest });
        return null;
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    ecr,
    authorization,
    pushed,
    stop: () =>
      new Promise<void>((resolve) => {
        ecr.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An ECR repository as `pipewright ecr ensure` makes it: immutable tags. */
export async function createRepository(ecr: ECRClient, name: string): Promise<void> {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: 'IMMUTABLE' }));
}
