"""Staff calendar feeds: secret URLs, their iCalendar text, and the cache in front of it."""
