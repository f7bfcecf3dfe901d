using System.Net.Http.Headers;
using System.Text;

namespace DigiUsher.Testing;

/// <summary>A RabbitMQ virtual host of its own for one test, so queues and exchanges never cross tests.</summary>
public sealed class TestVirtualHost : IAsyncDisposable
{
    private static readonly HttpClient Management = CreateClient();

    private readonly List<string> _users = [];

    private TestVirtualHost(string name) => Name = name;

    public string Name { get; }

    public static async Task<TestVirtualHost> CreateAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..16];
        (await Management.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await Management.PutAsync($"api/permissions/{name}/guest", permissions)).EnsureSuccessStatusCode();
        return new TestVirtualHost(name);
    }

    /// <summary>
    /// A RabbitMQ user of the broker allowed everything in this virtual host only, as a service's own
    /// user is; deleted with the virtual host. Answers its name and password.
    /// </summary>
    public async Task<(string Username, string Password)> CreateUserAsync(string username)
    {
        var password = Guid.NewGuid().ToString("N");
        using var user = new StringContent($$"""{"password":"{{password}}","tags":""}""", Encoding.UTF8, "application/json");
        (await Management.PutAsync($"api/users/{username}", user)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await Management.PutAsync($"api/permissions/{Name}/{username}", permissions)).EnsureSuccessStatusCode();
        _users.Add(username);
        return (username, password);
    }

    /// <summary>
    /// One RabbitMQ user per service (<c>DataSource</c> ... <c>Query</c>) with the permissions the deployments
    /// give it: created by the script scripts/dev, Compose and the chart run
    /// (charts/digiusher/files/rabbitmq-users.sh over rabbitmq-topology.tsv), named after this virtual host
    /// so concurrent tests never share one; deleted with the virtual host.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (string Username, string Password)>> CreateServiceUsersAsync(params string[] services)
    {
        var users = services.ToDictionary(s => s, s => ($"{Component(s)}.{Name}", Guid.NewGuid().ToString("N")));
        var script = Path.Combine(TestEnvironment.RepositoryRoot, "charts", "digiusher", "files", "rabbitmq-users.sh");
        var start = new System.Diagnostics.ProcessStartInfo("sh", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["RABBITMQ_MANAGEMENT_URL"] = TestEnvironment.RabbitManagement.ToString();
        start.Environment["RABBITMQ_ADMIN_USERNAME"] = "guest";
        start.Environment["RABBITMQ_ADMIN_PASSWORD"] = "guest";
        start.Environment["RABBITMQ_VHOST"] = Name;
        start.Environment["RABBITMQ_COMPONENTS"] = string.Join(' ', services.Select(Component));
        foreach (var (service, (username, password)) in users)
        {
            var variable = Component(service).ToUpperInvariant().Replace('-', '_');
            start.Environment[$"{variable}_RABBITMQ_USERNAME"] = username;
            start.Environment[$"{variable}_RABBITMQ_PASSWORD"] = password;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _users.AddRange(users.Values.Select(u => u.Item1));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmq-users.sh failed ({process.ExitCode}): {error}{await output}");
        }

        return users;
    }

    /// <summary>Deletes a RabbitMQ user created another way (a deployment's script) with the virtual host.</summary>
    public void DeleteUserOnDispose(string username) => _users.Add(username);

    /// <summary>A service's component name, as its queues begin: DataSource is data-source.</summary>
    public static string Component(string service) =>
        System.Text.RegularExpressions.Regex.Replace(service, "(?<!^)([A-Z])", "-$1").ToLowerInvariant();

    /// <summary>Messages currently in a queue of this virtual host (0 when the queue does not exist).</summary>
    public async Task<int> MessagesInQueueAsync(string queue)
    {
        using var response = await Management.GetAsync($"api/queues/{Name}/{queue}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == System.Text.Json.JsonValueKind.Number
            ? messages.GetInt32()
            : 0;
    }

    /// <summary>Names of the queues in this virtual host.</summary>
    public async Task<IReadOnlyList<string>> QueuesAsync()
    {
        using var response = await Management.GetAsync($"api/queues/{Name}");
        response.EnsureSuccessStatusCode();
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var _ = await Management.DeleteAsync($"api/vhosts/{Name}");
            foreach (var user in _users)
            {
                using var __ = await Management.DeleteAsync($"api/users/{user}");
            }
        }
        catch (HttpRequestException)
        {
        }
    }

    private static HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = TestEnvironment.RabbitManagement, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return client;
    }
}
