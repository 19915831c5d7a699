"""A service client's calls go out through prepared templates: the same requests as the ordinary
path (session headers, token, body, proxies from the environment), without working them out again
for every call; a session holding cookies takes the ordinary path, which sends them back."""
import requests
from requests.adapters import BaseAdapter

from lms_module.lti.http import USER_AGENT, LmsSession
from lms_module.lti.services_clients import CallLimits, RequestTemplates, call

URL = "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
SCORE = "application/vnd.ims.lis.v1.score+json"


class RecordingAdapter(BaseAdapter):
    """Answers 200 to everything and remembers what it was asked to send, and how."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[requests.PreparedRequest, dict]] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.sent.append((request, {"stream": stream, "timeout": timeout, "verify": verify, "proxies": proxies}))
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.url = request.url
        response.request = request
        response.raw = _Body(b"")
        return response

    def close(self) -> None:
        pass


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, chunk_size, decode_content=True):  # what Response.iter_content reads
        if self.data:
            yield self.data
        self.data = b""

    def read(self, *args, **kwargs):
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


def _session() -> tuple[LmsSession, RecordingAdapter]:
    session = LmsSession(timeout=7)
    adapter = RecordingAdapter()
    session.mount("https://", adapter)
    return session, adapter


def _post(session, templates, token: str, body: bytes):
    return call(session, "POST", URL, limits=CallLimits(timeout=7), data=body, truncate=True, templates=templates,
                headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE})


def test_every_call_carries_its_own_token_and_body_with_the_session_headers():
    session, adapter = _session()
    templates = RequestTemplates()
    for n in range(3):
        assert _post(session, templates, f"token-{n}", b'{"n": %d}' % n).status == 200
    assert len(adapter.sent) == 3
    for n, (request, options) in enumerate(adapter.sent):
        assert request.method == "POST" and request.url == URL
        assert request.headers["Authorization"] == f"Bearer token-{n}"
        assert request.headers["Content-Type"] == SCORE
        assert request.headers["User-Agent"] == USER_AGENT
        assert request.body == b'{"n": %d}' % n and request.headers["Content-Length"] == str(len(request.body))
        assert options["stream"] is True and options["timeout"] == 7
    # Each call sent its own copy of the template's headers (no call changed another's).
    assert len({id(request.headers) for request, _ in adapter.sent}) == 3


def test_the_environment_is_read_once_per_url_and_still_counts(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/school-ca.pem")
    session, adapter = _session()
    reads = []
    original = session.merge_environment_settings
    monkeypatch.setattr(session, "merge_environment_settings", lambda *a, **k: reads.append(a[0]) or original(*a, **k))
    templates = RequestTemplates()
    for n in range(5):
        _post(session, templates, "t", b"{}")
    assert reads == [URL]
    for _, options in adapter.sent:
        assert options["proxies"]["https"] == "http://proxy.example:3128"
        assert options["verify"] == "/etc/ssl/school-ca.pem"


def test_the_same_as_the_ordinary_path():
    session, adapter = _session()
    _post(session, RequestTemplates(), "same", b'{"a": 1}')
    _post(session, None, "same", b'{"a": 1}')
    (templated, options_t), (ordinary, options_o) = adapter.sent
    assert dict(templated.headers) == dict(ordinary.headers)
    assert (templated.method, templated.url, templated.body) == (ordinary.method, ordinary.url, ordinary.body)
    assert options_t == options_o


def test_a_session_with_cookies_sends_them_back():
    session, adapter = _session()
    session.cookies.set("MoodleSession", "abc", domain="lms.example", path="/")
    _post(session, RequestTemplates(), "t", b"{}")
    request, _ = adapter.sent[0]
    assert request.headers["Cookie"] == "MoodleSession=abc"
    assert request.headers["Authorization"] == "Bearer t"
