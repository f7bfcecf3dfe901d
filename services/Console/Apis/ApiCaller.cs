using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DigiUsher.Console.Apis;

/// <summary>
/// One place where the console talks HTTP to an API: the session's bearer token, JSON both ways,
/// problems, unreachable services and rejected tokens turned into the three exceptions the pages show.
/// </summary>
public sealed class ApiCaller(HttpClient http, ISessionTokens tokens, string api)
{
    public string Api => api;

    public async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        await ReadAsync<T>(await SendAsync(HttpMethod.Get, path, null, anonymous: false, cancellationToken), cancellationToken);

    /// <summary>Every item of a cursor-paged list (<c>items</c>, <c>nextCursor</c>), up to <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<T>> GetAllAsync<T>(string pathAndQuery, int max, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        string? cursor = null;
        do
        {
            var separator = pathAndQuery.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var page = await GetAsync<Page<T>>(cursor is null ? pathAndQuery : $"{pathAndQuery}{separator}cursor={Uri.EscapeDataString(cursor)}", cancellationToken);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && all.Count < max);
        return all;
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken, bool anonymous = false) =>
        await ReadAsync<T>(await SendAsync(method, path, body, anonymous, cancellationToken), cancellationToken);

    public async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken) =>
        (await SendAsync(method, path, body, anonymous: false, cancellationToken)).Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, bool anonymous, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        }

        if (!anonymous)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAccessTokenAsync(cancellationToken));
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiUnavailableException(api, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnavailableException(api, ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized && !anonymous)
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
        return new ApiProblemException(api, response.StatusCode, title, Text("detail"), errors, body);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            if (typeof(T) == typeof(string))
            {
                return (T)(object)await response.Content.ReadAsStringAsync(cancellationToken);
            }

            return await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken)
                ?? throw new JsonException($"The answer of {response.RequestMessage?.RequestUri} was empty.");
        }
    }
}

/// <summary>Builds a query string from name/value pairs, leaving out empty values.</summary>
public sealed class ApiQuery
{
    private readonly StringBuilder _text = new();

    public ApiQuery Add(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _text.Append(_text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    /// <summary>Adds the pair even when the value is empty (<c>tag:team=</c> asks for the untagged).</summary>
    public ApiQuery AddEvenEmpty(string name, string value)
    {
        _text.Append(_text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public ApiQuery Add(string name, DateOnly? value) => Add(name, value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    public ApiQuery Add(string name, Guid? value) => Add(name, value?.ToString());

    public ApiQuery Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => _text.ToString();
}
