"""The one HTML error page of the emulator's browser-facing endpoints."""

from __future__ import annotations

from flask import Response, render_template


def error_page(status: int, title: str, message: str, detail: str = "") -> Response:
    body = render_template("demo_lms/error.html", page_title=title, message=message, detail=detail)
    return Response(body, status=status, content_type="text/html; charset=utf-8")
