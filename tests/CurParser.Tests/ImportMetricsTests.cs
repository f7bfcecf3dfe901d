using DigiUsher.ServiceDefaults.Telemetry;
using DigiUsher.Testing;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// CurParser as a real process (its own meters only in it), a real delivery from moto: Prometheus'
/// scrape endpoint shows the import start, its rows and bytes moving while it runs, and its outcome.
/// </summary>
public class ImportMetricsTests
{
    [Fact]
    public async Task Scrape_WhileAParquetImportRuns_ShowsItsRowsMovingThenItsOutcome()
    {
        // Small batches report rows often, and the scrapes run back to back while the import
        // loads: on a fast machine the whole file loads in about a second (CI saw none between).
        await using var stack = await ParserProcess.StartAsync(new Dictionary<string, string> { ["CurParser__BatchSize"] = "256" });
        var dataSourceId = Guid.NewGuid();
        using var http = stack.Parser.CreateClient();
        var before = await ScrapeAsync(http);

        await stack.Peer.PublishAsync(stack.WorkshopDelivery(dataSourceId));
        var during = new List<Scrape>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!stack.Imported(dataSourceId))
        {
            deadline.Token.ThrowIfCancellationRequested();
            during.Add(await ScrapeAsync(http));
            await Task.Delay(20, deadline.Token);
        }

        // ReportImported leaves with the import's commit; the parser records the outcome just after,
        // so on a fast machine the first scrape after the event can come before it.
        var after = await Eventually.Get(async () =>
        {
            var scrape = await ScrapeAsync(http);
            return scrape.Value(Instruments.ImportsCompleted, "outcome=\"succeeded\"") >= 1 ? scrape : null;
        }, TimeSpan.FromSeconds(30), "the import's outcome in the scrape");

        Assert.Equal(0, before.Value(Instruments.ImportRows));
        var moving = during.Select(s => s.Value(Instruments.ImportRows)).Where(rows => rows is > 0 and < ParserProcess.WorkshopRows).Distinct().ToList();
        Assert.True(moving.Count >= 1, $"no scrape saw the rows between 0 and {ParserProcess.WorkshopRows} (saw {string.Join(", ", during.Select(s => s.Value(Instruments.ImportRows)))})");
        Assert.Contains(during, s => s.Value(Instruments.ImportsRunning) == 1);
        Assert.Equal(ParserProcess.WorkshopRows, after.Value(Instruments.ImportRows));
        Assert.Equal(1, after.Value(Instruments.ImportsStarted, "cur_format=\"parquet\""));
        Assert.Equal(1, after.Value(Instruments.ImportsCompleted, "outcome=\"succeeded\""));
        Assert.True(after.Value(Instruments.ImportBytes) >= stack.WorkshopBytes, "every byte of the file was read from S3");
        Assert.Equal(0, after.Value(Instruments.ImportsRunning));
        Assert.Equal(1, after.Value(Instruments.ImportDuration, suffix: "_count"));
        Assert.Equal(1, after.Value(Instruments.ImportThroughput, suffix: "_count"));

        // Every DigiUsher series of the scrape carries a declared instrument's exported name.
        var declared = Instruments.All.SelectMany(i => i.PrometheusSeries).ToHashSet();
        Assert.All(after.Names.Where(n => n.StartsWith("digiusher_", StringComparison.Ordinal)), n => Assert.Contains(n, declared));
        Assert.Contains("digiusher_queue_messages", after.Names);
        Assert.Contains("digiusher_outbox_backlog", after.Names);
    }

    private static async Task<Scrape> ScrapeAsync(HttpClient http) => new(await MetricsScrape.OfAsync(http));

    /// <summary>A scrape read by instrument.</summary>
    private sealed class Scrape(MetricsScrape scrape)
    {
        public IEnumerable<string> Names => scrape.Names;

        public double Value(InstrumentDefinition instrument, string? label = null, string suffix = "") =>
            scrape.Value(instrument.PrometheusName + suffix, label);
    }
}
