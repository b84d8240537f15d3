"""Notice policy, quiet hours and the outbox. Planned plain facts in, due messages out.

Depends only on ``notifications`` and ``core``; it never imports ``booking``.
"""
