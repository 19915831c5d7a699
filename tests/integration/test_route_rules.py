"""Every route states who may use it; a new route without a rule fails here."""


def test_every_route_declares_its_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "kontor_access", None):
            missing.append(f"{rule.rule} ({rule.endpoint})")
    assert missing == []


def test_launch_routes_take_the_launch_id_from_the_url(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if str(getattr(view, "kontor_access", "")).startswith("launch:"):
            assert "launch_id" in rule.arguments, rule.rule


def test_public_routes_are_only_the_known_entry_points(app):
    public = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "kontor_access", None) == "public"
    )
    assert public == sorted(
        [
            "/",  # what Kontor is, for someone who opens its address (web.home)
            "/healthz",
            "/readyz",
            "/lti/canvas.json",
            "/lti/check/<token>",
            "/lti/enter/<token>",
            "/lti/jwks",
            "/lti/launch",
            "/lti/login",
            "/lti/register",
            "/lti/storage-confirm",
        ]
    )
