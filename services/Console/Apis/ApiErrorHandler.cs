using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DigiUsher.Console.Apis;

/// <summary>
/// Turns every failed answer of an API into the three exceptions the pages show, before the typed
/// client sees it: a problem (RFC 9457, or OAuth's error) becomes <see cref="ApiProblemException"/>,
/// a 401 on a call with the session's token <see cref="SessionExpiredException"/>, an API that does not
/// answer (or not in time) <see cref="ApiUnavailableException"/>.
/// </summary>
public sealed class ApiErrorHandler(string api) : DelegatingHandler
{
    /// <summary>Validating a connection calls AWS many times; the other calls answer in milliseconds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(100);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiUnavailableException(api, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnavailableException(api, ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized && request.Headers.Authorization is { Scheme: "Bearer" })
            {
                // The API refused the session's token: it expired or was revoked.
                throw new SessionExpiredException();
            }

            throw await ProblemAsync(response, cancellationToken);
        }
    }

    private async Task<ApiProblemException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement? body = null;
        try
        {
            body = text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
        }

        string? Text(string name) => body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        if (body is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                    ? [.. field.Value.EnumerateArray().Select(e => e.ToString())]
                    : [field.Value.ToString()];
            }
        }

        var title = Text("title") ?? response.ReasonPhrase ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        return new ApiProblemException(api, response.StatusCode, title, Text("detail") ?? Text("error_description"), errors, body);
    }
}

/// <summary>Puts the session's access token on every call (read from the session store each time, refreshed there).</summary>
public sealed class SessionBearerHandler(ISessionTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await tokens.GetAccessTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
