using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

/// <summary>A clock stopped at one instant: "today" for relative windows and the hourly horizon.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// One Query service holding a generated account's February 2024 (final) and March 2024 up to the 19th,
/// on 20 March 2024, with the default 14 days of hourly costs (from 7 March), a few discovered resources,
/// and another organization's costs that must never show. Read-only: tests only query it.
/// </summary>
public sealed class CostExplorerFixture : IAsyncLifetime
{
    public static readonly DateOnly Today = new(2024, 3, 20);
    public static readonly DateOnly HourlyFrom = new(2024, 3, 7);
    public static readonly DateOnly February = new(2024, 2, 1);
    public static readonly DateOnly March = new(2024, 3, 1);

    private QueryApp? _app;

    public QueryApp App => _app!;

    public Guid Organization { get; } = Guid.NewGuid();

    public Guid DataSource { get; } = Guid.NewGuid();

    public GeneratedCosts Costs { get; } = GeneratedCosts.Create(February, 2, Today);

    public CostsImported FebruaryImport { get; private set; } = null!;

    public CostsImported MarchImport { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = await QueryApp.StartAsync(clock: new FixedClock(new DateTimeOffset(Today.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero)));
        var february = Costs.Month(February);
        var march = Costs.Month(March);
        FebruaryImport = await App.ImportAsync(Organization, DataSource, "2024-02", february.Daily(), [], DateTimeOffset.UtcNow.AddHours(-2), isFinal: true);
        MarchImport = await App.ImportAsync(Organization, DataSource, "2024-03", march.Daily(), march.Hourly(HourlyFrom), DateTimeOffset.UtcNow.AddHours(-1));
        var other = GeneratedCosts.Create(March, 1, Today, seed: 7);
        var otherImport = await App.ImportAsync(Guid.NewGuid(), Guid.NewGuid(), "2024-03", other.Daily(), other.Hourly(HourlyFrom));
        foreach (var import in new[] { FebruaryImport, MarchImport, otherImport })
        {
            await App.WaitForCostsStatusAsync(import.ImportId, "loaded");
        }

        var run = Guid.NewGuid();
        await App.PublishAsync(Discovery.Chunk(Organization, DataSource, run, "ec2-instance",
            [Discovery.Resource("i-0web1", "ec2-instance", "running", owner: "ana@example.com"), Discovery.Resource("i-0data1", "ec2-instance", "running")]));
        await App.WaitForAsync("select count(*) = 2 from query.resources where data_source_id = @DataSource", new { DataSource }, "the discovered instances");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public HttpClient Client() => App.ClientFor(Organization);

    /// <summary>POSTs a JSON body and returns the status and the parsed answer.</summary>
    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient client, string url, string json)
    {
        using var response = await client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> QueryAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/costs/query", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {JsonSerializer.Serialize(body)}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
