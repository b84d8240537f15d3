"""Settings, database, time, errors and tokens: what every other package stands on."""
