using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;

namespace DigiUsher.Contract.Tests;

/// <summary>One request and its answer as the wire carried them.</summary>
public sealed record RecordedExchange(string Document, string Method, string Path, HttpStatusCode Status, string? MediaType, string Body, string? CorrelationId, string? Location = null, string? ETag = null)
{
    public override string ToString() => $"{Method} {Path} -> {(int)Status}";
}

/// <summary>
/// Sits under the generated clients' request adapters: puts the current bearer token on each request
/// and records every answer (body buffered) for the check against the documents.
/// </summary>
public sealed class ExchangeRecorder(string document, ConcurrentQueue<RecordedExchange> exchanges) : DelegatingHandler(new SocketsHttpHandler())
{
    public string? Bearer { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Bearer is not null && request.Headers.Authorization is null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bearer);
        }

        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        exchanges.Enqueue(new RecordedExchange(document, request.Method.Method, request.RequestUri!.AbsolutePath, response.StatusCode,
            response.Content.Headers.ContentType?.MediaType, body,
            response.Headers.TryGetValues("X-Correlation-Id", out var correlation) ? correlation.First() : null,
            response.Headers.Location?.OriginalString,
            response.Headers.ETag?.ToString()));
        return response;
    }
}
