using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.Query.Imports;

/// <summary>The import is no longer current in CurParser; a newer <c>CostsImported</c> follows.</summary>
public sealed class ImportSupersededException(Guid importId) : Exception($"Import {importId} is no longer current.");

/// <summary>CurParser does not know the import.</summary>
public sealed class ImportNotFoundException(Guid importId) : Exception($"CurParser does not know import {importId}.");

/// <summary>Streams an import's daily rollup from CurParser's internal endpoint (NDJSON, one line at a time).</summary>
public sealed class CurParserClient(HttpClient http, IOptions<JwtOptions> jwt)
{
    public async IAsyncEnumerable<DailyCostLine> GetDailyCostsAsync(Guid importId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"internal/v1/imports/{importId}/daily-costs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", InternalToken.Create(jwt.Value, "query", TimeSpan.FromMinutes(30)));
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

            DailyCostLine? parsed;
            try
            {
                parsed = DailyCostLine.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"Line {lineNumber} of import {importId}'s daily costs is not valid JSON: {ex.Message}", ex);
            }

            yield return parsed ?? throw new InvalidDataException($"Line {lineNumber} of import {importId}'s daily costs is null.");
        }
    }
}
