"""The three web pages: the migrants' chat (/), the counselors' console (/console) and the editors' page (/editor).

Server-rendered Jinja2 templates plus a little vanilla JavaScript and CSS, shipped as package data: no front-end
build step (docs/web.md says why). The pages talk only to the public HTTP API (/v1/...), so they test that API
the way its other clients use it.
"""

from .routes import router

__all__ = ["router"]
