using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Identity;
using DigiUsher.Testing;
using static DigiUsher.DataSource.Tests.SignInRateLimitTests;

namespace DigiUsher.DataSource.Tests;

/// <summary>The throttles' decision before a password is hashed.</summary>
public class SignInVerdictTests
{
    [Fact]
    public void Decide_WhenTheAddressFailedTooOften_RefusesItWhereverItIsFrom()
    {
        var verdict = SignInVerdict.Decide(TimeSpan.FromSeconds(90), SignInOrigin.KnownAddress, null);

        Assert.True(verdict.Refused);
        Assert.Equal(TimeSpan.FromSeconds(90), verdict.RefusedFor);
        Assert.Contains("from your address", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_WhenTheLoginIsGuessedFromNewAddresses_RefusesNewAddressesOnly()
    {
        var lockedToNew = TimeSpan.FromMinutes(15);

        var fromNew = SignInVerdict.Decide(null, SignInOrigin.NewAddress, lockedToNew);
        var fromKnown = SignInVerdict.Decide(null, SignInOrigin.KnownAddress, lockedToNew);

        Assert.True(fromNew.Refused);
        Assert.Contains("from new addresses", fromNew.Reason, StringComparison.Ordinal);
        Assert.Contains("900 seconds", fromNew.Reason, StringComparison.Ordinal);
        Assert.False(fromKnown.Refused);
    }

    [Fact]
    public void Decide_WhenNothingIsLocked_ChecksThePassword() =>
        Assert.Same(SignInVerdict.Check, SignInVerdict.Decide(null, SignInOrigin.NewAddress, null));
}

/// <summary>
/// A thousand failed sign-ins from 250 addresses (each under its own address limit) against real users and
/// logins that do not exist, on a real DataSource process behind a configured proxy, while the real users
/// keep signing in from where they always do.
/// </summary>
public class SignInFloodTests
{
    private const int FailuresPerLogin = 10;
    private const int InFlightPerLogin = 2;

    [Fact]
    public async Task SignIn_WhenAThousandGuessesComeFromManyAddresses_RealUsersStillSignInAndTheGuessesCostFewHashes()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var virtualHost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, virtualHost);
        environment["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1";
        environment["Auth__SignInProtection__FailuresPerLogin"] = FailuresPerLogin.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Auth__SignInProtection__InFlightPerLogin"] = InFlightPerLogin.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ServiceProcess.MigrateAsync("DataSource", environment);
        await using var process = await ServiceProcess.StartAsync("DataSource", environment, readyTimeout: TimeSpan.FromSeconds(90));
        using var http = process.CreateClient();
        http.Timeout = TimeSpan.FromMinutes(3);

        // Three people, each signed in once from their own address; a fourth the flood never names.
        var people = Enumerable.Range(1, 3).Select(i => new Person($"victim-{i}-{Guid.NewGuid():N}@example.com", $"198.51.100.{i}")).ToList();
        var bystander = new Person($"bystander-{Guid.NewGuid():N}@example.com", "198.51.100.9");
        foreach (var person in people.Append(bystander))
        {
            using var registered = await http.SendAsync(Request("/api/v1/auth/register", person.Home,
                JsonContent.Create(new { email = person.Email, password = Person.Password, organizationName = "Org " + person.Home })));
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        foreach (var person in people)
        {
            Assert.Equal(HttpStatusCode.OK, await SignInAsync(http, person.Email, Person.Password, person.Home));
        }

        // The flood: 250 addresses, four guesses each, at the three people and at two logins that do not exist.
        var targets = people.Select(p => p.Email).Concat([$"ghost-1-{Guid.NewGuid():N}@example.com", $"ghost-2-{Guid.NewGuid():N}@example.com"]).ToList();
        var guesses = Enumerable.Range(0, 1000).Select(i => (Login: targets[i % targets.Count], Address: $"10.{i % 250 / 100}.{i % 100}.{1 + i / 250}", Password: $"guess-{i}")).ToList();
        var answers = new ConcurrentBag<(HttpStatusCode Status, string Body)>();
        using var floodDone = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(guesses, new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (guess, cancellationToken) =>
                {
                    using var response = await http.SendAsync(Request("/connect/token", guess.Address, PasswordForm(guess.Login, guess.Password)), cancellationToken);
                    answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken)));
                });
            }
            finally
            {
                await floodDone.CancelAsync();
            }
        });

        // Meanwhile the people sign in from home, every two seconds (under their address's own limit).
        var duringFlood = new List<(string Email, HttpStatusCode Status)>();
        while (!floodDone.IsCancellationRequested || duringFlood.Count == 0)
        {
            foreach (var person in people)
            {
                duringFlood.Add((person.Email, await SignInAsync(http, person.Email, Person.Password, person.Home)));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
        }

        await flood;
        Assert.All(duringFlood, signIn => Assert.True(signIn.Status == HttpStatusCode.OK, $"{signIn.Email} was refused during the flood: {signIn.Status}"));

        // Every guess was answered, none with a server error; nearly all without a password being hashed.
        Assert.Equal(1000, answers.Count);
        Assert.All(answers, answer => Assert.True(answer.Status is HttpStatusCode.BadRequest or HttpStatusCode.TooManyRequests, $"{answer.Status}: {answer.Body}"));
        var hashed = answers.Count(a => a.Status == HttpStatusCode.BadRequest);
        Assert.True(hashed <= targets.Count * (FailuresPerLogin + InFlightPerLogin), $"{hashed} guesses were checked");
        Console.WriteLine($"Flood: {hashed} of 1000 guesses had their password checked; {duringFlood.Count} sign-ins from home during it, all accepted.");
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.BadRequest), a => Assert.Contains("invalid_grant", a.Body, StringComparison.Ordinal));

        // Most guesses were refused before any hashing (busy, or the login closed); those that were checked
        // count towards closing the login to new addresses. A few more guesses from new addresses close it,
        // saying so, for a login that does not exist as for a real one.
        foreach (var login in new[] { people[0].Email, targets[^1] })
        {
            var closed = await GuessUntilClosedAsync(http, login);
            Assert.True(closed.Attempts <= FailuresPerLogin + 1, $"{login} closed after {closed.Attempts} more guesses");
            Assert.True(int.Parse(closed.Response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 60);
            var problem = await closed.Response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("slow_down", problem.GetProperty("error").GetString());
            Assert.Contains("from new addresses", problem.GetProperty("error_description").GetString(), StringComparison.Ordinal);
            closed.Response.Dispose();
        }

        using (var rightPasswordFromNew = await http.SendAsync(Request("/connect/token", "203.0.113.250", PasswordForm(people[0].Email, Person.Password))))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, rightPasswordFromNew.StatusCode);
        }

        // ... while its person still signs in from home, and a person the flood never named signs in from anywhere.
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(http, people[0].Email, Person.Password, people[0].Home));
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(http, bystander.Email, Person.Password, "203.0.113.51"));
    }

    private static async Task<(int Attempts, HttpResponseMessage Response)> GuessUntilClosedAsync(HttpClient http, string login)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await http.SendAsync(Request("/connect/token", $"203.0.113.{attempt}", PasswordForm(login, $"late-guess-{attempt}")));
            if (response.StatusCode == HttpStatusCode.TooManyRequests && (await response.Content.ReadAsStringAsync()).Contains("from new addresses", StringComparison.Ordinal))
            {
                return (attempt, response);
            }

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"guess {attempt} at {login}: {response.StatusCode}");
            Assert.True(attempt <= FailuresPerLogin + InFlightPerLogin, $"{login} is still open to new addresses after {attempt} more guesses");
            response.Dispose();
        }
    }

    private static async Task<HttpStatusCode> SignInAsync(HttpClient http, string email, string password, string address)
    {
        using var response = await http.SendAsync(Request("/connect/token", address, PasswordForm(email, password)));
        return response.StatusCode;
    }

    private sealed record Person(string Email, string Home)
    {
        public const string Password = "correct-horse-battery-staple";
    }
}
