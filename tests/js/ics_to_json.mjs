// Reads an iCalendar file with ical.js and prints what the Python tests compare, as JSON:
// the calendar's properties, its VTIMEZONE ids, and each VEVENT with its instants in UTC
// (converted through the feed's own VTIMEZONE rules, not the machine's zone database).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
const zones = calendar.getAllSubcomponents("vtimezone");
for (const zone of zones) {
  ICAL.TimezoneService.register(zone);
}

function instant(time) {
  return time ? time.toJSDate().toISOString() : null;
}

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const start = component.getFirstProperty("dtstart");
  return {
    uid: event.uid,
    summary: event.summary,
    location: event.location,
    status: component.getFirstPropertyValue("status"),
    transp: component.getFirstPropertyValue("transp"),
    url: component.getFirstPropertyValue("url"),
    sequence: event.sequence,
    dtstamp: instant(component.getFirstPropertyValue("dtstamp")),
    last_modified: instant(component.getFirstPropertyValue("last-modified")),
    start: event.startDate.isDate ? event.startDate.toString() : instant(event.startDate),
    end: event.endDate.isDate ? event.endDate.toString() : instant(event.endDate),
    all_day: event.startDate.isDate,
    tzid: start.getParameter("tzid") || null,
    properties: component.getAllProperties().map((property) => property.name),
  };
});

process.stdout.write(
  JSON.stringify({
    name: calendar.getFirstPropertyValue("name"),
    calname: calendar.getFirstPropertyValue("x-wr-calname"),
    refresh: String(calendar.getFirstPropertyValue("refresh-interval")),
    ttl: String(calendar.getFirstPropertyValue("x-published-ttl")),
    method: calendar.getFirstPropertyValue("method"),
    timezones: zones.map((zone) => zone.getFirstPropertyValue("tzid")),
    events,
  }),
);
