def test_config(api):
    r = api.get("config")
    assert r.status_code == 200


def test_login_logout(api, user, password):
    r = api.get("auth/session")
    assert r.status_code == 401
    r = api.login(user, password)
    assert r.json()["data"]["user"]["username"] == "alice"
    r = api.get("auth/session")
    assert r.status_code == 200
    r = api.delete("auth/session")
    assert r.status_code == 401
