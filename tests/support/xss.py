"""The XSS payload list every authored field must render inert (integration tests check the HTML,
browser tests check that nothing runs)."""

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "**<b onmouseover=alert(1)>x</b>**",
    "{{7*7}}",
    "</textarea><script>alert(1)</script>",
]
