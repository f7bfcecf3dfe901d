using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Query.Imports;

/// <summary>The import is no longer current in CurParser; a newer <c>CostsImported</c> follows.</summary>
public sealed class ImportSupersededException(Guid importId) : Exception($"Import {importId} is no longer current.");

/// <summary>CurParser does not know the import.</summary>
public sealed class ImportNotFoundException(Guid importId) : Exception($"CurParser does not know import {importId}.");

/// <summary>Where an import's rollups come from: CurParser's internal endpoints, or a generator in the benchmark.</summary>
public interface IRollupSource
{
    /// <summary>The import's daily rollup, every line of the billing period.</summary>
    IAsyncEnumerable<DailyCostLine> DailyAsync(CancellationToken cancellationToken);

    /// <summary>The import's hourly rollup from the start of <paramref name="from"/> (UTC) on.</summary>
    IAsyncEnumerable<HourlyCostLine> HourlyAsync(DateOnly from, CancellationToken cancellationToken);
}

/// <summary>Streams an import's rollups from CurParser's internal endpoints (NDJSON, one line at a time).</summary>
/// <remarks>Authenticated as Query's own service identity (<see cref="ServiceTokenHandler"/>, scope <c>import-rollups:read</c>).</remarks>
public sealed class CurParserClient(HttpClient http)
{
    /// <summary>The rollups of <paramref name="importId"/>.</summary>
    public IRollupSource Import(Guid importId) => new ImportRollups(this, importId);

    public IAsyncEnumerable<DailyCostLine> GetDailyCostsAsync(Guid importId, CancellationToken cancellationToken) =>
        GetLinesAsync(importId, $"internal/v1/imports/{importId}/daily-costs", "daily", DailyCostLine.Parse, cancellationToken);

    public IAsyncEnumerable<HourlyCostLine> GetHourlyCostsAsync(Guid importId, DateOnly from, CancellationToken cancellationToken) =>
        GetLinesAsync(importId, $"internal/v1/imports/{importId}/hourly-costs?from={from:yyyy-MM-dd}", "hourly", HourlyCostLine.Parse, cancellationToken);

    private async IAsyncEnumerable<T> GetLinesAsync<T>(
        Guid importId, string path, string what, Func<string, T?> parse, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(DailyCostLine.MediaType));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Gone:
                throw new ImportSupersededException(importId);
            case HttpStatusCode.NotFound:
                throw new ImportNotFoundException(importId);
        }

        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            T? parsed;
            try
            {
                parsed = parse(line);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"Line {lineNumber} of import {importId}'s {what} costs is not valid JSON: {ex.Message}", ex);
            }

            yield return parsed ?? throw new InvalidDataException($"Line {lineNumber} of import {importId}'s {what} costs is null.");
        }
    }

    private sealed class ImportRollups(CurParserClient client, Guid importId) : IRollupSource
    {
        public IAsyncEnumerable<DailyCostLine> DailyAsync(CancellationToken cancellationToken) => client.GetDailyCostsAsync(importId, cancellationToken);

        public IAsyncEnumerable<HourlyCostLine> HourlyAsync(DateOnly from, CancellationToken cancellationToken) =>
            client.GetHourlyCostsAsync(importId, from, cancellationToken);
    }
}
