"""A tiny requests-based "browser" that is enough for LTI's form_post dances.

It keeps cookies, follows redirects, and submits the auto-submitting forms that LMSs and tools
use (Moodle's ``ltiInitiateLoginForm`` and ``ltiAuthForm``, a tool's deep-linking response
form, any form that a ``<script>`` submits). It runs no other JavaScript, so pages that need
it (cookie checks, postMessage storage) stop the walk; the caller sees that page.

    browser = FormBrowser()
    page = browser.open(base_url + "/demo-lms/launch/2?user=4&locale=en")   # lands in the tool
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

KNOWN_AUTOSUBMIT_FORMS = {"ltiInitiateLoginForm", "ltiAuthForm"}
TEXT_INPUT_TYPES = {
    "", "hidden", "text", "password", "email", "number", "search", "url", "tel", "date",
    "datetime-local", "time", "month", "week", "color", "range",
}


@dataclass
class HtmlForm:
    name: str | None
    id: str | None
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons
    autosubmit: bool = False  # marked with data-autosubmit

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def as_dict(self) -> dict[str, str]:
        return dict(self.fields)


@dataclass
class Page:
    forms: list[HtmlForm]
    scripts: list[str]
    iframes: list[dict[str, str]]


class _PageParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.forms: list[HtmlForm] = []
        self.scripts: list[str] = []
        self.iframes: list[dict[str, str]] = []
        self._form: HtmlForm | None = None
        self._in_script = False
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = HtmlForm(
                name=attributes.get("name"),
                id=attributes.get("id"),
                action=urljoin(self.base_url, attributes.get("action", "") or self.base_url),
                method=(attributes.get("method") or "get").lower(),
                autosubmit="data-autosubmit" in attributes,
            )
            self.forms.append(self._form)
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")
        elif tag == "iframe":
            self.iframes.append({**attributes, "src": urljoin(self.base_url, attributes.get("src", ""))})
        elif self._form is not None:
            self._form_control(tag, attributes)

    def _form_control(self, tag: str, attributes: dict[str, str]) -> None:
        assert self._form is not None
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "").lower()
            if kind in TEXT_INPUT_TYPES:
                self._form.fields.append((name, attributes.get("value", "")))
            elif kind in ("checkbox", "radio") and "checked" in attributes:
                self._form.fields.append((name, attributes.get("value", "on")))
            elif kind == "submit":
                self._form.buttons.append((name, attributes.get("value", "")))
        elif tag == "button" and name and attributes.get("type", "submit").lower() == "submit":
            self._form.buttons.append((name, attributes.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = [attributes.get("value"), "selected" in attributes, []]

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        elif self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        elif tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[1].append((value if value is not None else "".join(text).strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [value for value, _ in options[:1]]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None


def parse_page(response) -> Page:
    """The forms, scripts and iframes of a response's page: a requests response, or a Flask test
    client's (which has no URL of its own: its request's is the page's)."""
    parser = _PageParser(response.url if hasattr(response, "url") else response.request.url)
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type or not content_type:
        parser.feed(response.text)
        parser.close()
    return Page(parser.forms, parser.scripts, parser.iframes)


def autosubmit_form(page: Page) -> HtmlForm | None:
    """The form a browser would submit by itself on this page, if any."""
    for form in page.forms:
        if form.autosubmit or form.name in KNOWN_AUTOSUBMIT_FORMS or form.id in KNOWN_AUTOSUBMIT_FORMS:
            return form
    script = "\n".join(page.scripts)
    if not re.search(r"\.submit\s*\(\s*\)", script):
        return None
    for form in page.forms:
        for handle in (form.name, form.id):
            if handle and re.search(rf"\b{re.escape(handle)}\b", script):
                return form
    return page.forms[0] if len(page.forms) == 1 else None


class BrowserCookiePolicy(DefaultCookiePolicy):
    """Secure cookies go to http://localhost and 127.0.0.1 too: browsers treat those as secure
    contexts (Kontor's development cookies rely on it), Python's cookie jar does not."""

    def return_ok_secure(self, cookie, request) -> bool:
        if cookie.secure and _is_loopback(urlsplit(request.get_full_url()).hostname or ""):
            return True
        return super().return_ok_secure(cookie, request)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BrowserSession(requests.Session):
    """requests builds each request's Cookie header from a fresh jar (the session's cookies and the
    request's own) with the default policy; this session rebuilds it with BrowserCookiePolicy (also
    on redirects)."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(BrowserCookiePolicy())

    def _cookie_header(self, prepared: requests.PreparedRequest) -> None:
        jar = getattr(prepared, "_cookies", None)
        if jar is None:
            return
        jar.set_policy(BrowserCookiePolicy())
        prepared.headers.pop("Cookie", None)
        header = requests.cookies.get_cookie_header(jar, prepared)
        if header:
            prepared.headers["Cookie"] = header

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        self._cookie_header(prepared)
        return prepared

    def rebuild_auth(self, prepared_request, response) -> None:
        super().rebuild_auth(prepared_request, response)
        self._cookie_header(prepared_request)


class FormBrowser:
    def __init__(self, session: requests.Session | None = None, timeout: float = 10.0, max_hops: int = 10) -> None:
        self.session = session or BrowserSession()
        self.timeout = timeout
        self.max_hops = max_hops
        self.history: list[requests.Response] = []

    def __enter__(self) -> FormBrowser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._record(self.session.get(url, timeout=self.timeout, **kwargs))

    def post(self, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self._record(self.session.post(url, data=data, timeout=self.timeout, **kwargs))

    def submit(
        self,
        response: requests.Response,
        form: HtmlForm | str | None = None,
        overrides: dict[str, str] | None = None,
        button: str | None = None,
    ) -> requests.Response:
        """Submit a form of `response` (by object, name or id; default: its only/auto form)."""
        chosen = self._pick(parse_page(response), form)
        fields = [(key, value) for key, value in chosen.fields if key not in (overrides or {})]
        fields += list((overrides or {}).items())
        if button is not None:
            fields += [(name, value) for name, value in chosen.buttons if name == button]
        if chosen.method == "post":
            return self.post(chosen.action, data=fields)
        return self.get(chosen.action, params=fields)

    def follow_autosubmit(self, response: requests.Response, max_hops: int | None = None) -> requests.Response:
        """Submit auto-submitting forms until a page has none; returns that last response."""
        for _ in range(self.max_hops if max_hops is None else max_hops):
            form = autosubmit_form(parse_page(response))
            if form is None:
                return response
            response = self.submit(response, form)
        raise RuntimeError(f"still auto-submitting after {max_hops or self.max_hops} hops: {response.url}")

    def open(self, url: str) -> requests.Response:
        """GET `url` and follow redirects and auto-submitted forms, like a browser would."""
        return self.follow_autosubmit(self.get(url))

    def open_iframe(self, response: requests.Response, index: int = 0) -> requests.Response:
        """Load the `index`-th iframe of `response` (e.g. Moodle's view page) and walk it."""
        frames = parse_page(response).iframes
        return self.open(frames[index]["src"])

    def _pick(self, page: Page, form: HtmlForm | str | None) -> HtmlForm:
        if isinstance(form, HtmlForm):
            return form
        if isinstance(form, str):
            for candidate in page.forms:
                if form in (candidate.name, candidate.id):
                    return candidate
            raise LookupError(f"no form named {form!r}")
        chosen = autosubmit_form(page) or (page.forms[0] if len(page.forms) == 1 else None)
        if chosen is None:
            raise LookupError(f"{len(page.forms)} forms on the page; say which one")
        return chosen

    def _record(self, response: requests.Response) -> requests.Response:
        self.history.extend(response.history)
        self.history.append(response)
        return response
