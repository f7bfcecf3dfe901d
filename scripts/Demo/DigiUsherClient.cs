using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace DigiUsher.Demo;

/// <summary>The two public APIs, called as a user would.</summary>
public sealed class DigiUsherClient(Uri dataSourceApi, Uri queryApi) : IDisposable
{
    private readonly HttpClient _dataSource = new() { BaseAddress = dataSourceApi, Timeout = TimeSpan.FromSeconds(120) };
    private readonly HttpClient _query = new() { BaseAddress = queryApi, Timeout = TimeSpan.FromSeconds(120) };

    public async Task<JsonNode> PostAsync(string path, object body, CancellationToken cancellationToken) =>
        await SendAsync(_dataSource, HttpMethod.Post, path, body, cancellationToken);

    public async Task<JsonNode> GetDataSourceApiAsync(string path, CancellationToken cancellationToken) =>
        await SendAsync(_dataSource, HttpMethod.Get, path, null, cancellationToken);

    public async Task<JsonNode> GetQueryApiAsync(string path, CancellationToken cancellationToken) =>
        await SendAsync(_query, HttpMethod.Get, path, null, cancellationToken);

    public void UseToken(string token)
    {
        _dataSource.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _query.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public void Dispose()
    {
        _dataSource.Dispose();
        _query.Dispose();
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {http.BaseAddress}{path.TrimStart('/')} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text) ?? new JsonObject();
    }
}
