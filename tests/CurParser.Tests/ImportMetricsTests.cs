using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Telemetry;
using DigiUsher.Testing;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// CurParser as a real process (its own meters only in it), a real delivery from moto: Prometheus'
/// scrape endpoint shows the import start, its rows and bytes moving while it runs, and its outcome.
/// </summary>
public partial class ImportMetricsTests
{
    private const long WorkshopRows = 119_307;

    [Fact]
    public async Task Scrape_WhileAParquetImportRuns_ShowsItsRowsMovingThenItsOutcome()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("CurParser", database, vhost);
        await ServiceProcess.MigrateAsync("CurParser", environment);
        await using var parser = await ServiceProcess.StartAsync("CurParser", environment, readyTimeout: TimeSpan.FromSeconds(90));
        await using var peer = await PeerBus.StartAsync(vhost);
        using var s3 = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"),
            new AmazonS3Config { ServiceURL = TestEnvironment.SharedMotoUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var bucket = "cur-" + Guid.NewGuid().ToString("N")[..20];
        await s3.PutBucketAsync(bucket);
        var content = await File.ReadAllBytesAsync(TestFiles.Sample("cur-legacy-parquet-wa-workshop/Oct2018-WorkshopCUR-00001.snappy.parquet"));
        const string key = "cur/hourly/hourly/year=2018/month=10/hourly-00001.snappy.parquet";
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content) });
        var dataSourceId = Guid.NewGuid();
        using var http = parser.CreateClient();
        var before = await ScrapeAsync(http);

        await peer.PublishAsync(new ReportAvailable(Guid.NewGuid(), dataSourceId, $"{dataSourceId}:2018-10:oct-1", "2018-10", "hourly", ReportFormat.Parquet,
            "oct-1", bucket, "us-east-1", null, [new ReportFile(key, content.Length, "etag-1")], DateTimeOffset.UtcNow));
        var during = new List<Scrape>();
        await Eventually.True(async () =>
        {
            during.Add(await ScrapeAsync(http));
            return peer.Recorded.All.OfType<ReportImported>().Any(e => e.DataSourceId == dataSourceId);
        }, TimeSpan.FromSeconds(120), "ReportImported");
        var after = await ScrapeAsync(http);

        Assert.Equal(0, before.Value(Instruments.ImportRows));
        var moving = during.Select(s => s.Value(Instruments.ImportRows)).Where(rows => rows is > 0 and < WorkshopRows).Distinct().ToList();
        Assert.True(moving.Count >= 1, $"no scrape saw the rows between 0 and {WorkshopRows} (saw {string.Join(", ", during.Select(s => s.Value(Instruments.ImportRows)))})");
        Assert.Contains(during, s => s.Value(Instruments.ImportsRunning) == 1);
        Assert.Equal(WorkshopRows, after.Value(Instruments.ImportRows));
        Assert.Equal(1, after.Value(Instruments.ImportsStarted, "cur_format=\"parquet\""));
        Assert.Equal(1, after.Value(Instruments.ImportsCompleted, "outcome=\"succeeded\""));
        Assert.True(after.Value(Instruments.ImportBytes) >= content.Length, "every byte of the file was read from S3");
        Assert.Equal(0, after.Value(Instruments.ImportsRunning));
        Assert.Equal(1, after.Value(Instruments.ImportDuration, suffix: "_count"));
        Assert.Equal(1, after.Value(Instruments.ImportThroughput, suffix: "_count"));

        // Every DigiUsher series of the scrape carries a declared instrument's exported name.
        var declared = Instruments.All.SelectMany(i => i.PrometheusSeries).ToHashSet();
        Assert.All(after.Names.Where(n => n.StartsWith("digiusher_", StringComparison.Ordinal)), n => Assert.Contains(n, declared));
        Assert.Contains("digiusher_queue_messages", after.Names);
        Assert.Contains("digiusher_outbox_backlog", after.Names);
    }

    private static async Task<Scrape> ScrapeAsync(HttpClient http) => new(await http.GetStringAsync("/metrics"));

    /// <summary>One scrape in Prometheus' text format.</summary>
    private sealed partial class Scrape(string text)
    {
        private readonly (string Name, string Labels, double Value)[] _samples = [.. Sample().Matches(text).Select(m => (
            m.Groups["name"].Value, m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

        public IEnumerable<string> Names => _samples.Select(s => s.Name).Distinct();

        /// <summary>The sum of the instrument's series whose labels contain <paramref name="label"/>.</summary>
        public double Value(InstrumentDefinition instrument, string? label = null, string suffix = "") => _samples
            .Where(s => s.Name == instrument.PrometheusName + suffix && (label is null || s.Labels.Contains(label, StringComparison.Ordinal)))
            .Sum(s => s.Value);

        [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>[-+0-9.eE]+|NaN|\+Inf)(\s+\d+)?$", RegexOptions.Multiline)]
        private static partial Regex Sample();
    }
}
