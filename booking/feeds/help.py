"""How to subscribe to a feed in each calendar app: what staff read next to their URLs."""

from __future__ import annotations

# (app, which address to use, steps). Google's slow refresh is said plainly: staff must
# not rely on a subscribed Google calendar for a change made in the last hours.
SUBSCRIBING: tuple[tuple[str, str, str], ...] = (
    (
        "Apple Calendar",
        "webcal",
        "Mac: File > New Calendar Subscription, paste the webcal:// address, set Auto-refresh "
        "to every 15 minutes. iPhone or iPad: Settings > Calendar > Accounts > Add Account > "
        "Other > Add Subscribed Calendar, paste the address. Or open the webcal:// link.",
    ),
    (
        "Google Calendar",
        "https",
        "On a computer: Other calendars > + > From URL, paste the https:// address. Google "
        "refreshes subscribed calendars only every several hours (often 8 to 24), whatever "
        "the feed asks, and this cannot be sped up: check the clinic's pages for same-day "
        "changes.",
    ),
    (
        "Outlook",
        "https",
        "Outlook on the web or new Outlook: Add calendar > Subscribe from web, paste the "
        "https:// address. Classic Outlook: Add Calendar > From Internet. Outlook.com also "
        "refreshes subscriptions only every few hours.",
    ),
    (
        "Thunderbird",
        "https",
        "File > New > Calendar > On the Network, paste the https:// address (format "
        "iCalendar); it follows the feed's 15-minute refresh hint.",
    ),
)

KEEP_IT_SAFE = (
    "The address is a password to this calendar: anyone holding it can read it. It is shown "
    "only once; if it leaks, rotate it (the old address stops at once) or revoke it."
)
