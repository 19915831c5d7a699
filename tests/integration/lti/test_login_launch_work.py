"""The login and the launch of 1,000 students in the same minute (issue 15, the exam start): what a
login and a launch do per request, counted with cProfile on the real app and database (counts, not
times). Their platform is read as a plain row of the tables, not loaded into ORM objects (with the
ORM's compilation of the query: more CPU than the query itself), and the statements they run are
built once per process. The statements themselves are counted in test_launch_statements.py."""
from support.cpu_profile import keys_made, orm_executions, profiled
from support.form_browser import parse_page
from support.lti_forgery import claims_for

TOOL = "http://localhost"  # the test client's host: the tool's origin for target_link_uri


def _login(live, client, user: str):
    return client.post("/lti/login", data={
        "iss": live.kit.issuer, "login_hint": user, "target_link_uri": TOOL + "/lti/launch",
        "client_id": live.lms.settings.client_id, "lti_deployment_id": "1",
    })


def _auth_request(login) -> dict[str, str]:
    """The fields of the cookie check's form to the LMS's sign-in (state, nonce, ...)."""
    return dict(next(f for f in parse_page(login).forms if f.id == "kontor-continue").fields)


def _launch(live, client, user: str, measure=lambda action: (action(), None)):
    """A browser without Kontor's cookies: the login answers with the cookie check (as in the journey)."""
    login, login_calls = measure(lambda: _login(live, client, user))
    assert login.status_code == 200 and b"kontor-cookie-check" in login.data, login.data[:300]
    fields = _auth_request(login)
    token = live.kit.sign_id_token(claims_for(live, fields["nonce"], user=user))
    launch, launch_calls = measure(lambda: client.post("/lti/launch",
                                                       data={"id_token": token, "state": fields["state"]}))
    assert launch.status_code == 302 and "/l/" in launch.headers["Location"], launch.data[:500]
    return login_calls, launch_calls


def test_a_login_and_a_launch_read_their_platform_as_a_row_with_statements_built_once(live):
    client = live.app.test_client()
    _launch(live, client, "4")  # the first launch fetches the platform's key set, builds statements
    login, launch = _launch(live, live.app.test_client(), "5", profiled)
    # In brackets: before, with the platform (and the launch's deployment) loaded as ORM objects, and
    # the login's and the launch's INSERTs built per request.
    assert orm_executions(login) == 0, "the login's platform read"  # (1)
    assert keys_made(login) == 0  # (1: the login's INSERT)
    # What Kontor knows of the user, course, link and membership is read as plain values too, and
    # what the launch changes is written by statements, not by the unit of work.
    assert orm_executions(launch) == 0  # (2; then 1, the known records as ORM objects)
    assert keys_made(launch) == 0  # (1: the launch's INSERT)
