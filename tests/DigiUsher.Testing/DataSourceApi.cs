using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DigiUsher.Testing;

/// <summary>One organization on DataSource's public API (registered, signed in).</summary>
public sealed class DataSourceApi : IDisposable
{
    private readonly HttpClient _http;

    private DataSourceApi(HttpClient http, Guid organizationId, string token)
    {
        _http = http;
        OrganizationId = organizationId;
        Token = token;
    }

    public Guid OrganizationId { get; }

    /// <summary>The signed-in client, for routes this class has no method for.</summary>
    public HttpClient Http => _http;

    /// <summary>The access token DataSource issued (valid on Query too).</summary>
    public string Token { get; }

    public static async Task<DataSourceApi> RegisterAsync(ServiceProcess dataSource)
    {
        var http = dataSource.CreateClient();
        var email = $"rel-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        using var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, organizationName = "Reliability" });
        var body = await registered.Content.ReadAsStringAsync();
        Assert.True(registered.IsSuccessStatusCode, body);
        var organizationId = JsonDocument.Parse(body).RootElement.GetProperty("organizationId").GetGuid();
        using var token = await http.PostAsJsonAsync("/api/v1/auth/token", new { email, password });
        var tokenBody = await token.Content.ReadAsStringAsync();
        Assert.True(token.IsSuccessStatusCode, tokenBody);
        var accessToken = JsonDocument.Parse(tokenBody).RootElement.GetProperty("accessToken").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return new DataSourceApi(http, organizationId, accessToken);
    }

    /// <summary>Connects an AWS root data source (validated by DataSource against moto) and returns its id.</summary>
    public async Task<Guid> ConnectAsync(string bucket, string prefix, string accessKeyId, string secretAccessKey)
    {
        using var created = await _http.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Reliability payer", kind = "aws-root", accessKeyId, secretAccessKey, bucket, prefix, region = "us-east-1",
        });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, $"{(int)created.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public async Task UpdateSecretAsync(Guid dataSourceId, string accessKeyId, string secretAccessKey)
    {
        using var updated = await _http.PatchAsJsonAsync($"/api/v1/data-sources/{dataSourceId}", new { accessKeyId, secretAccessKey });
        Assert.True(updated.IsSuccessStatusCode, $"{(int)updated.StatusCode} {await updated.Content.ReadAsStringAsync()}");
    }

    public async Task RequestPollAsync(Guid dataSourceId)
    {
        using var response = await _http.PostAsync($"/api/v1/data-sources/{dataSourceId}/poll", null);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<JsonElement> StatusAsync(Guid dataSourceId)
    {
        using var response = await _http.GetAsync($"/api/v1/data-sources/{dataSourceId}/status");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
