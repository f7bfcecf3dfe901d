using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Npgsql;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// The five services on one database and virtual host, a moto holding an AWS account and last month's CUR,
/// and two organizations with real data. A (the victim) connected the payer: its month is imported into Query,
/// its resources discovered and owned, and it has an owner rule, a service client and a second user. B (the
/// attacker) has its own owner rule, service client and user, and no AWS data of its own, so any of A's ids
/// that B reaches is a leak, not the same account seen twice.
/// </summary>
public sealed class TenantStack : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    // Hostile tests send hundreds of requests from one organization: rate limits must not answer 429 for them.
    private static readonly Dictionary<string, string> Allowances = new[] { "Queries", "Exports", "Validations", "Polls" }
        .SelectMany(limit => new[] { ($"RateLimits__{limit}__Burst", "100000"), ($"RateLimits__{limit}__PerMinute", "100000") })
        .ToDictionary(s => s.Item1, s => s.Item2);

    private DeliveredMonth? _delivered;

    public ServiceStack Stack { get; private set; } = null!;

    public DeliveredMonth Delivered => _delivered!;

    public ServiceProcess DataSource => Stack["DataSource"];

    public ServiceProcess Query => Stack["Query"];

    public ServiceProcess CurParser => Stack["CurParser"];

    public ServiceProcess Discovery => Stack["ResourceDiscovery"];

    /// <summary>The victim, with the imported month.</summary>
    public StackTenant A { get; private set; } = null!;

    /// <summary>The attacker.</summary>
    public StackTenant B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _delivered = await DeliveredMonth.StartAsync();
        Stack = await ServiceStack.StartAsync(_delivered.Moto.Url, settings: Allowances);
        try
        {
            var a = await StackTenant.RegisterAsync(DataSource, "victim");
            var b = await StackTenant.RegisterAsync(DataSource, "attacker");
            var account = _delivered.Account;
            using var aData = a.Client(DataSource);
            var dataSourceId = await CreatedIdAsync(aData, "/api/v1/data-sources", new
            {
                name = "Victim payer", kind = "aws-root", accessKeyId = account.AccessKeyId, secretAccessKey = account.SecretAccessKey,
                bucket = account.CurBucket, prefix = CurMonth.Prefix, region = "us-east-1",
            });

            using var aQuery = a.Client(Query);
            var from = _delivered.Month.From;
            var to = _delivered.Month.To;
            await Eventually.True(async () => await TotalAsync(aQuery, $"/api/v1/costs?from={from}&to={to}") == _delivered.Month.Total,
                Patience, $"A's month ({_delivered.Month.Total} USD) imported into Query\n{Stack.Logs()}");
            await Eventually.True(async () =>
            {
                using var page = JsonDocument.Parse(await aQuery.GetStringAsync($"/api/v1/resources?discovered=true&from={from}&to={to}&limit=1000"));
                var discovered = page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("resourceId").GetString()).ToHashSet();
                return account.Resources.All(r => discovered.Contains(r.ResourceId));
            }, Patience, $"A's resources discovered\n{Stack.Logs()}");

            using var imports = JsonDocument.Parse(await aQuery.GetStringAsync("/api/v1/imports"));
            var import = imports.RootElement.GetProperty("items")[0];
            var owner = account.Resources.First(r => r.Owner is not null).Owner!;
            using var employee = JsonDocument.Parse(await aQuery.GetStringAsync($"/api/v1/employees/{Uri.EscapeDataString(owner)}/resources?from={from}&to={to}"));

            A = a with
            {
                DataSourceId = dataSourceId,
                ImportId = import.GetProperty("importId").GetGuid(),
                DeliveryId = import.GetProperty("deliveryId").GetString()!,
                ResourceIds = [.. account.Resources.Select(r => r.ResourceId)],
                EmployeeEmail = owner,
                EmployeeId = employee.RootElement.GetProperty("employeeId").GetGuid(),
                AccessKeyId = account.AccessKeyId,
                SecretAccessKey = account.SecretAccessKey,
            };
            A = await A.WithOwnRecordsAsync(DataSource, Discovery, "victim");
            B = await b.WithOwnRecordsAsync(DataSource, Discovery, "attacker");
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{Stack.Logs()}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }

        if (_delivered is not null)
        {
            await _delivered.DisposeAsync();
        }
    }

    /// <summary>The total of a costs answer (null when not a 200 in one currency).</summary>
    public static async Task<decimal?> TotalAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("total").ValueKind == JsonValueKind.Number ? body.RootElement.GetProperty("total").GetDecimal() : null;
    }

    /// <summary>A service-identity token from DataSource's token endpoint (client_credentials), or null when refused.</summary>
    public async Task<string?> ServiceTokenAsync(string clientId, string secret, string scope)
    {
        using var http = DataSource.CreateClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = scope,
        }));
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("access_token").GetString();
    }

    /// <summary>Counts of rows per table, as an administrator of the database.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountRowsAsync(IEnumerable<string> tables)
    {
        await using var connection = new NpgsqlConnection(Stack.Database.AdminConnectionString);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var exists = await connection.ExecuteScalarAsync<string?>("select to_regclass(@table)::text", new { table });
            counts[table] = exists is null ? -1 : await connection.ExecuteScalarAsync<long>($"select count(*) from {table}");
        }

        return counts;
    }

    internal static async Task<Guid> CreatedIdAsync(HttpClient http, string path, object body)
    {
        using var created = await http.PostAsJsonAsync(path, body);
        var text = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)created.StatusCode}: {text}");
        }

        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty(json.RootElement.TryGetProperty("id", out _) ? "id" : "userId").GetGuid();
    }
}

/// <summary>An organization, its admin's token, and the ids of what it holds.</summary>
public sealed record StackTenant(Guid OrganizationId, Guid AdminUserId, string Email, string Password, string Token)
{
    public Guid DataSourceId { get; init; }

    public Guid ImportId { get; init; }

    public string DeliveryId { get; init; } = "";

    public IReadOnlyList<string> ResourceIds { get; init; } = [];

    public string EmployeeEmail { get; init; } = "";

    public Guid EmployeeId { get; init; }

    public string AccessKeyId { get; init; } = "";

    public string SecretAccessKey { get; init; } = "";

    public Guid OwnerRuleId { get; init; }

    public Guid ServiceClientId { get; init; }

    public string ServiceClientSecret { get; init; } = "";

    /// <summary>The service client's OAuth client_id.</summary>
    public string ServiceClientClientId { get; init; } = "";

    public Guid MemberUserId { get; init; }

    public string MemberEmail { get; init; } = "";

    public HttpClient Client(ServiceProcess service)
    {
        var http = service.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    /// <summary>Registers an organization and signs its admin in (OAuth password grant, the console's client).</summary>
    public static async Task<StackTenant> RegisterAsync(ServiceProcess dataSource, string name)
    {
        using var http = dataSource.CreateClient();
        var email = $"{name}-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        using var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, organizationName = $"Org {name}" });
        var text = await registered.Content.ReadAsStringAsync();
        if (!registered.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"register answered {(int)registered.StatusCode}: {text}");
        }

        using var body = JsonDocument.Parse(text);
        using var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = "console", ["username"] = email, ["password"] = password,
        }));
        token.EnsureSuccessStatusCode();
        using var tokenBody = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
        return new StackTenant(body.RootElement.GetProperty("organizationId").GetGuid(), body.RootElement.GetProperty("userId").GetGuid(), email, password,
            tokenBody.RootElement.GetProperty("access_token").GetString()!);
    }

    /// <summary>Gives the organization an owner rule (for a region without resources, so owners stay as the tags say), a service client and an invited member.</summary>
    public async Task<StackTenant> WithOwnRecordsAsync(ServiceProcess dataSource, ServiceProcess discovery, string name)
    {
        using var rules = Client(discovery);
        var ruleId = await TenantStack.CreatedIdAsync(rules, "/api/v1/owner-rules", new { match = "region", value = "eu-west-3", ownerEmail = $"{name}-owner@example.com" });
        using var ds = Client(dataSource);
        using var created = await ds.PostAsJsonAsync("/api/v1/service-clients", new { name = $"{name} reporting", scopes = new[] { "costs:read" } });
        var createdText = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"service client answered {(int)created.StatusCode}: {createdText}");
        }

        using var client = JsonDocument.Parse(createdText);
        var memberEmail = $"{name}-member-{Guid.NewGuid():N}@example.com";
        var memberId = await TenantStack.CreatedIdAsync(ds, "/api/v1/users", new { email = memberEmail, role = "member" });
        return this with
        {
            OwnerRuleId = ruleId,
            ServiceClientId = client.RootElement.GetProperty("id").GetGuid(),
            ServiceClientSecret = client.RootElement.GetProperty("clientSecret").GetString()!,
            ServiceClientClientId = client.RootElement.GetProperty("clientId").GetString()!,
            MemberUserId = memberId,
            MemberEmail = memberEmail,
        };
    }

    /// <summary>Texts of this organization that no other organization's answer may contain.</summary>
    public IEnumerable<string> Secrets() =>
        new[]
        {
            OrganizationId.ToString(), AdminUserId.ToString(), Email, DataSourceId.ToString(), ImportId.ToString(), DeliveryId, EmployeeEmail,
            EmployeeId.ToString(), AccessKeyId, SecretAccessKey, OwnerRuleId.ToString(), ServiceClientId.ToString(), ServiceClientSecret,
            MemberUserId.ToString(), MemberEmail, ServiceClientClientId,
        }.Concat(ResourceIds).Where(s => s.Length > 0 && s != Guid.Empty.ToString());
}
