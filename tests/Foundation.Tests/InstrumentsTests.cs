using System.Text.RegularExpressions;
using DigiUsher.ServiceDefaults.Telemetry;
using DigiUsher.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DigiUsher.Foundation.Tests;

public partial class InstrumentsTests
{
    public static TheoryData<string> Names => new(Instruments.All.Select(i => i.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Instrument_WhenDeclared_FollowsTheOpenTelemetryNamingConventions(string name)
    {
        var instrument = Instruments.All.Single(i => i.Name == name);

        // https://opentelemetry.io/docs/specs/semconv/general/naming/ and .../general/metrics/
        Assert.Matches(@"^digiusher(\.[a-z][a-z0-9_]*)+$", instrument.Name);
        Assert.DoesNotMatch(@"(_total|\.total|_seconds|_bytes)$", instrument.Name);
        Assert.Matches(@"^(s|By|\{[a-z]+\}|\{[a-z]+\}/s|1)$", instrument.Unit);
        Assert.False(string.IsNullOrWhiteSpace(instrument.Description));
        Assert.All(instrument.Attributes, a => Assert.Matches(@"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", a));
    }

    [Fact]
    public void Instruments_WhenDeclared_HaveUniqueNamesAndNoUnboundedAttribute()
    {
        Assert.Equal(Instruments.All.Count, Instruments.All.Select(i => i.Name).Distinct().Count());
        Assert.Equal(Instruments.All.Count, Instruments.All.Select(i => i.PrometheusName).Distinct().Count());

        // A tenant, data source, import or delivery per series would grow without bound.
        var unbounded = Instruments.All.SelectMany(i => i.Attributes.Select(a => (i.Name, Attribute: a)))
            .Where(x => UnboundedAttribute().IsMatch(x.Attribute)).ToList();
        Assert.Empty(unbounded);
    }

    [Theory]
    [InlineData("digiusher.import.rows", InstrumentKind.Counter, "{row}", "digiusher_import_rows_total")]
    [InlineData("digiusher.import.read", InstrumentKind.Counter, "By", "digiusher_import_read_bytes_total")]
    [InlineData("digiusher.import.duration", InstrumentKind.Histogram, "s", "digiusher_import_duration_seconds")]
    [InlineData("digiusher.import.throughput", InstrumentKind.Histogram, "{row}/s", "digiusher_import_throughput_per_second")]
    [InlineData("digiusher.queue.messages", InstrumentKind.Gauge, "{message}", "digiusher_queue_messages")]
    [InlineData("digiusher.outbox.oldest.age", InstrumentKind.Gauge, "s", "digiusher_outbox_oldest_age_seconds")]
    public void PrometheusName_WhenExported_FollowsTheExportersTranslation(string name, InstrumentKind kind, string unit, string expected)
    {
        Assert.Equal(expected, new InstrumentDefinition(name, kind, unit, "a test").PrometheusName);
    }

    [Fact]
    public void ServicesAndLibraries_WhenMakingInstruments_GoThroughTheServiceMeterOnly()
    {
        var root = TestEnvironment.RepositoryRoot;
        var sources = new[] { "services", "libs" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var allowed = Path.Combine(root, "libs", "DigiUsher.ServiceDefaults", "Telemetry", "ServiceMeter.cs");

        var offending = sources.Where(f => f != allowed && MakesInstrument().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(root, f)).ToList();

        Assert.True(offending.Count == 0, "instruments made outside ServiceMeter (declare them in Instruments): " + string.Join(", ", offending));
    }

    [Fact]
    public void ServiceMeter_WhenGivenAnUndeclaredInstrument_Refuses()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var meter = new ServiceMeter(factory, new DigiUsher.ServiceDefaults.DigiUsherService("test", "test"));

        Assert.Throws<ArgumentException>(() => meter.Counter(new InstrumentDefinition("digiusher.made.up", InstrumentKind.Counter, "{thing}", "not declared")));
        Assert.Throws<ArgumentException>(() => meter.Histogram(Instruments.ImportRows));
        Assert.Equal("DigiUsher.test", meter.Meter.Name);
    }

    [Theory]
    [InlineData(0, 600, 0)]
    [InlineData(3, 600, 600)]
    [InlineData(3, null, 900)]
    public void OldestAgeBound_WhenMessagesWait_IsTheAgeOfTheNewestMessageTakenOrTheWatchTime(long ready, int? takenSecondsAgo, double expected)
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var taken = takenSecondsAgo is { } s ? now.AddSeconds(-s) : (DateTimeOffset?)null;

        Assert.Equal(expected, QueueMetrics.OldestAgeBound(ready, taken, now, watchedSince: now.AddSeconds(-900)));
    }

    [GeneratedRegex(@"(organization|tenant|data_?source|import\.id|delivery|user|email)", RegexOptions.IgnoreCase)]
    private static partial Regex UnboundedAttribute();

    [GeneratedRegex(@"\.Create(Counter|Histogram|UpDownCounter|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)\s*<|new\s+Meter\s*\(")]
    private static partial Regex MakesInstrument();
}
