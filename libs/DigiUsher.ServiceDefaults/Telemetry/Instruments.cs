namespace DigiUsher.ServiceDefaults.Telemetry;

/// <summary>What an instrument measures and how it is exported.</summary>
public enum InstrumentKind
{
    Counter,
    Histogram,
    Gauge,
}

/// <summary>
/// One DigiUsher instrument: its OpenTelemetry name (lower-case, dot-separated, a namespace per
/// area), its UCUM unit (<c>s</c>, <c>By</c>, <c>{row}</c>: an annotation in braces is a count of
/// things), what it measures, and the attributes it may carry (a fixed, small set of values each:
/// no tenant, data source or import id, so the number of series stays bounded).
/// </summary>
public sealed record InstrumentDefinition(string Name, InstrumentKind Kind, string Unit, string Description, params string[] Attributes)
{
    /// <summary>
    /// The name the OpenTelemetry Prometheus exporter gives it: dots become underscores, the unit
    /// is appended (annotations dropped, <c>s</c> as <c>seconds</c>, <c>By</c> as <c>bytes</c>,
    /// <c>a/b</c> as <c>a_per_b</c>) unless the name ends with it, and counters end in <c>_total</c>
    /// (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/).
    /// A test checks it against a real scrape.
    /// </summary>
    public string PrometheusName
    {
        get
        {
            var name = Name.Replace('.', '_');
            var unit = PrometheusUnit(Unit);
            if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
            {
                name += "_" + unit;
            }

            return Kind == InstrumentKind.Counter ? name + "_total" : name;
        }
    }

    /// <summary>The series Prometheus holds for it (a histogram's buckets, sum and count).</summary>
    public IEnumerable<string> PrometheusSeries => Kind == InstrumentKind.Histogram
        ? [PrometheusName + "_bucket", PrometheusName + "_sum", PrometheusName + "_count"]
        : [PrometheusName];

    private static string PrometheusUnit(string unit)
    {
        var parts = unit.Split('/');
        var words = parts.Select(p => System.Text.RegularExpressions.Regex.Replace(p, @"\{[^}]*\}", string.Empty)).Select(p => p switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" or "" => string.Empty,
            _ => p,
        }).ToList();
        return words.Count switch
        {
            1 => words[0],
            2 when words[0].Length == 0 => words[1].Length == 0 ? string.Empty : "per_" + Singular(words[1]),
            2 => words[1].Length == 0 ? words[0] : $"{words[0]}_per_{Singular(words[1])}",
            _ => string.Empty,
        };
    }

    private static string Singular(string unit) => unit switch
    {
        "seconds" => "second",
        _ => unit,
    };
}

/// <summary>
/// Every instrument of DigiUsher's own meters (<c>DigiUsher.&lt;service&gt;</c>), in one place: the
/// services create instruments only from these (<see cref="ServiceMeter"/>), the chart's dashboards
/// and alerts may name only these (and the exporters listed in their test), and the README lists
/// them. ASP.NET Core's own <c>http.server.request.duration</c> (by route and status code) measures
/// the API's requests, latency and errors.
/// </summary>
public static class Instruments
{
    // CurParser: imports.
    public static readonly InstrumentDefinition ImportsStarted = new("digiusher.imports.started", InstrumentKind.Counter, "{import}",
        "Imports started (a delivery claimed and its import row created).", "cur.format");

    public static readonly InstrumentDefinition ImportsCompleted = new("digiusher.imports.completed", InstrumentKind.Counter, "{import}",
        "Imports ended, by outcome: succeeded, failed (bad input, permanent), retried (transient, the message is retried), superseded, cancelled.", "cur.format", "outcome");

    public static readonly InstrumentDefinition ImportRows = new("digiusher.import.rows", InstrumentKind.Counter, "{row}",
        "Line items loaded by COPY, counted as each batch is written (moves during an import).", "cur.format");

    public static readonly InstrumentDefinition ImportBytes = new("digiusher.import.read", InstrumentKind.Counter, "By",
        "Bytes of report files read from S3, as they are read.", "cur.format");

    public static readonly InstrumentDefinition ImportDuration = new("digiusher.import.duration", InstrumentKind.Histogram, "s",
        "Time from claiming a delivery to its import's outcome.", "cur.format", "outcome");

    public static readonly InstrumentDefinition ImportThroughput = new("digiusher.import.throughput", InstrumentKind.Histogram, "{row}/s",
        "Rows per second of each succeeded import (rows loaded over its duration), per replica.", "cur.format");

    public static readonly InstrumentDefinition ImportsRunning = new("digiusher.imports.running", InstrumentKind.Gauge, "{import}",
        "Imports this replica is running now.");

    public static readonly InstrumentDefinition ImportRunningAge = new("digiusher.import.running.age", InstrumentKind.Gauge, "s",
        "How long the oldest import this replica is running has run (0 when none).");

    // Every consuming service: its queues.
    public static readonly InstrumentDefinition QueueMessages = new("digiusher.queue.messages", InstrumentKind.Gauge, "{message}",
        "Messages ready in each of the service's queues and their _error queues (RabbitMQ's count, sampled every 15 s).", "queue");

    public static readonly InstrumentDefinition QueueConsumers = new("digiusher.queue.consumers", InstrumentKind.Gauge, "{consumer}",
        "Consumers attached to each of the service's queues.", "queue");

    public static readonly InstrumentDefinition QueueOldestMessageAge = new("digiusher.queue.oldest_message.age", InstrumentKind.Gauge, "s",
        "While a queue holds ready messages: the age (since it was sent) of the newest message this replica took from it, which bounds the age of the oldest one waiting; 0 when the queue is empty.", "queue");

    // Every service: its transactional outbox.
    public static readonly InstrumentDefinition OutboxBacklog = new("digiusher.outbox.backlog", InstrumentKind.Gauge, "{message}",
        "Outbox rows written but not yet published.");

    public static readonly InstrumentDefinition OutboxOldestAge = new("digiusher.outbox.oldest.age", InstrumentKind.Gauge, "s",
        "Age of the oldest outbox row not yet published (0 when none).");

    // CurPoller: deliveries and polls.
    public static readonly InstrumentDefinition DeliveriesFound = new("digiusher.deliveries.found", InstrumentKind.Counter, "{delivery}",
        "New or changed CUR deliveries a poll found in S3.");

    public static readonly InstrumentDefinition DeliveriesAnnounced = new("digiusher.deliveries.announced", InstrumentKind.Counter, "{delivery}",
        "ReportAvailable messages written to the outbox (first announcements and re-announcements).");

    public static readonly InstrumentDefinition DeliveriesPending = new("digiusher.deliveries.pending", InstrumentKind.Gauge, "{delivery}",
        "Deliveries announced and not yet imported or failed for good (sampled every 15 s).");

    public static readonly InstrumentDefinition PollDuration = new("digiusher.poll.duration", InstrumentKind.Histogram, "s",
        "Time one data source's poll took, by outcome (succeeded, failed).", "outcome");

    public static readonly InstrumentDefinition PollsFailed = new("digiusher.polls.failed", InstrumentKind.Counter, "{poll}",
        "Polls that failed (AWS refused, S3 unreachable, a database outage).");

    public static readonly InstrumentDefinition PollStaleness = new("digiusher.poll.staleness", InstrumentKind.Gauge, "s",
        "The longest time any enabled data source has gone without a successful poll (sampled every 15 s).");

    // ResourceDiscovery.
    public static readonly InstrumentDefinition DiscoveryDuration = new("digiusher.discovery.duration", InstrumentKind.Histogram, "s",
        "Time one data source's discovery run took, by outcome.", "outcome");

    public static readonly InstrumentDefinition DiscoveryResources = new("digiusher.discovery.resources", InstrumentKind.Counter, "{resource}",
        "Resources a discovery run found, by kind.", "resource.kind");

    // Query.
    public static readonly InstrumentDefinition CostsLoaded = new("digiusher.costs.loaded", InstrumentKind.Counter, "{line}",
        "Daily cost lines pulled from CurParser and swapped into Query's read model.");

    public static readonly InstrumentDefinition CostsMismatched = new("digiusher.costs.mismatched", InstrumentKind.Counter, "{import}",
        "Imports whose pulled rollup did not match the totals their event announced (refused, the previous month stays).");

    // Every API: refusals by a rate limit.
    public static readonly InstrumentDefinition RateLimitRefusals = new("digiusher.rate_limit.refusals", InstrumentKind.Counter, "{request}",
        "Requests refused with 429 by a rate limit (ASP.NET Core's limiter or a throttle of ours), by route pattern.", "http.route");

    /// <summary>Every definition above.</summary>
    public static IReadOnlyList<InstrumentDefinition> All { get; } = typeof(Instruments)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(InstrumentDefinition))
        .Select(f => (InstrumentDefinition)f.GetValue(null)!)
        .ToList();
}
