using System.Globalization;
using System.Text.RegularExpressions;

namespace DigiUsher.Testing;

/// <summary>One scrape of a service's <c>/metrics</c> (Prometheus' text format).</summary>
public sealed partial class MetricsScrape
{
    private readonly (string Name, string Labels, double Value)[] _samples;

    private MetricsScrape(string text) => _samples = [.. Sample().Matches(text).Select(m => (
        m.Groups["name"].Value, m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

    public IEnumerable<string> Names => _samples.Select(s => s.Name).Distinct();

    public static async Task<MetricsScrape> OfAsync(HttpClient service) => new(await service.GetStringAsync("/metrics"));

    /// <summary>The sum of the series named <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    public double Value(string name, string? label = null) => _samples
        .Where(s => s.Name == name && (label is null || s.Labels.Contains(label, StringComparison.Ordinal)))
        .Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>[-+0-9.eE]+|NaN|\+Inf)(\s+\d+)?$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
