from hello import create_app


def client():
    return create_app({"TESTING": True, "GREETING": "hi"}).test_client()


def test_health():
    res = client().get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok"}


def test_index_names_the_environment(monkeypatch):
    monkeypatch.setenv("PIPEWRIGHT_ENVIRONMENT", "develop")
    assert client().get("/").get_json() == {"message": "hi from develop"}
