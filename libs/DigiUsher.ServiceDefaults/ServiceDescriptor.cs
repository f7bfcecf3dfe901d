namespace DigiUsher.ServiceDefaults;

/// <summary>Who a service is: its name (telemetry, logs) and the one Postgres schema it owns.</summary>
/// <param name="Name">Service name, e.g. <c>curparser</c>.</param>
/// <param name="Schema">The schema it owns and migrates.</param>
/// <param name="Outbox">Whether it publishes events through an outbox (the console publishes none: no outbox table, no dispatcher, no bus).</param>
public sealed record DigiUsherService(string Name, string Schema, bool Outbox = true);
