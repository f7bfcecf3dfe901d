using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Testing;

namespace DigiUsher.DataSource.Tests;

/// <summary>Attacks on the sign-in routes against a real DataSource process behind a configured proxy (127.0.0.1).</summary>
public class SignInRateLimitTests
{
    [Fact]
    public async Task SignIn_WhenOneAddressFloodsAndManyAddressesGuessOnePassword_Is429ProblemDetailsWhileTheRealUserStillSignsIn()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var virtualHost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, virtualHost);
        environment["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1";
        environment["Auth__RateLimit__Burst"] = "4";
        environment["Auth__RateLimit__PerMinute"] = "6";
        await ServiceProcess.MigrateAsync("DataSource", environment);
        await using var process = await ServiceProcess.StartAsync("DataSource", environment, readyTimeout: TimeSpan.FromSeconds(90));
        using var http = process.CreateClient();
        var email = $"victim-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        using (var register = Request("/api/v1/auth/register", "198.51.100.1", JsonContent.Create(new { email, password, organizationName = "Victim Corp" })))
        {
            using var registered = await http.SendAsync(register);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        // One address floods the token endpoint: past its burst it is refused before any password is checked.
        var answers = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12 && refused is null; i++)
        {
            var response = await http.SendAsync(Request("/connect/token", "203.0.113.7", PasswordForm(email, "guess-" + i)));
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests
                && (await response.Content.ReadAsStringAsync()).Contains("from this address", StringComparison.Ordinal))
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.True(refused is not null, $"no address limit: {string.Join(", ", answers)}");
        using (refused)
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Equal("slow_down", problem.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("correlationId").GetString()));
        }

        // The JSON sign-in route shares the address's budget.
        using (var json = await http.SendAsync(Request("/api/v1/auth/token", "203.0.113.7", JsonContent.Create(new { email, password }))))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, json.StatusCode);
        }

        // Many addresses each guess the same account's password a couple of times, under their own limit.
        for (var address = 1; address <= 8; address++)
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                using var guess = await http.SendAsync(Request("/connect/token", $"192.0.2.{address}", PasswordForm(email, $"guess-{address}-{attempt}")));
                Assert.Equal(HttpStatusCode.BadRequest, guess.StatusCode);
            }
        }

        // The real user, from their own address, still signs in: neither the flood nor the guesses locked the account.
        using var signIn = await http.SendAsync(Request("/connect/token", "198.51.100.1", PasswordForm(email, password)));
        var body = await signIn.Content.ReadAsStringAsync();
        Assert.True(signIn.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("access_token", body, StringComparison.Ordinal);
    }

    /// <summary>A request as the configured proxy forwards it from <paramref name="forwardedFor"/>.</summary>
    internal static HttpRequestMessage Request(string path, string forwardedFor, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    internal static FormUrlEncodedContent PasswordForm(string email, string password) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "password", ["client_id"] = "console", ["username"] = email, ["password"] = password,
    });
}
