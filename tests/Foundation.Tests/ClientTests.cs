using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using DigiUsher.Client.Tokens;
using DigiUsher.Testing;

namespace DigiUsher.Foundation.Tests;

public class ClientCredentialsTokenSourceTests
{
    [Fact]
    public async Task Request_WhenTheServerGrants_SendsTheRfc6749FormAndReadsTheToken()
    {
        HttpRequestMessage? sent = null;
        string? form = null;
        using var http = new HttpClient(new Answering(async request =>
        {
            sent = request;
            form = await request.Content!.ReadAsStringAsync();
            // The access token response of RFC 6749 §4.4.3.
            return Json(HttpStatusCode.OK, """{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600}""");
        }))
        { BaseAddress = new Uri("http://datasource.example/") };
        var clock = new ManualClock(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var token = await new ClientCredentialsTokenSource(http, "s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw", ["costs:read", "imports:read"], clock).RequestAsync(CancellationToken.None);

        Assert.Equal(new AccessToken("2YotnFZFEjr1zCsicMWpAA", clock.Now.AddHours(1)), token);
        Assert.Equal(HttpMethod.Post, sent!.Method);
        Assert.Equal("http://datasource.example/connect/token", sent.RequestUri!.ToString());
        Assert.Equal("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3", sent.Headers.Authorization!.ToString());
        Assert.Equal("grant_type=client_credentials&scope=costs%3Aread+imports%3Aread", form);
    }

    [Fact]
    public async Task Request_WhenTheServerRefuses_ThrowsWithTheOAuthError()
    {
        using var http = new HttpClient(new Answering(_ => Task.FromResult(Json(HttpStatusCode.BadRequest, """{"error":"invalid_scope","error_description":"users:read is not granted"}"""))))
        { BaseAddress = new Uri("http://datasource.example/") };

        var refused = await Assert.ThrowsAsync<TokenRequestException>(() => new ClientCredentialsTokenSource(http, "id", "secret", ["users:read"]).RequestAsync(CancellationToken.None));

        Assert.Contains("invalid_scope: users:read is not granted", refused.Message, StringComparison.Ordinal);
    }

    internal static HttpResponseMessage Json(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    internal sealed class Answering(Func<HttpRequestMessage, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => answer(request);
    }
}

public class TokenCacheTests
{
    [Fact]
    public async Task Get_WhenTheTokenIsFresh_ReusesItAndRenewsItAMinuteBeforeItExpires()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var source = new CountingSource(clock, TimeSpan.FromMinutes(10));
        using var cache = new TokenCache(source, clock);

        var first = await cache.GetAsync(CancellationToken.None);
        clock.Now = clock.Now.AddMinutes(8);
        var stillFirst = await cache.GetAsync(CancellationToken.None);
        clock.Now = clock.Now.AddMinutes(1).AddSeconds(1);
        var renewed = await cache.GetAsync(CancellationToken.None);

        Assert.Equal(("token-1", "token-1", "token-2"), (first, stillFirst, renewed));
    }

    [Fact]
    public async Task Get_WhenManyCallersWaitAndTheTokenWasRefused_AsksOnceForANewOne()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var source = new CountingSource(clock, TimeSpan.FromHours(1));
        using var cache = new TokenCache(source, clock);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.GetAsync(CancellationToken.None).AsTask()));
        cache.Invalidate(tokens[0]);

        Assert.All(tokens, t => Assert.Equal("token-1", t));
        Assert.Equal("token-2", await cache.GetAsync(CancellationToken.None));
    }

    private sealed class CountingSource(TimeProvider clock, TimeSpan lifetime) : ITokenSource
    {
        private int _count;

        public async Task<AccessToken> RequestAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            return new AccessToken($"token-{Interlocked.Increment(ref _count)}", clock.GetUtcNow() + lifetime);
        }
    }
}

public class ClientPackageTests
{
    [Fact]
    public async Task Pack_WhenTheClientIsBuilt_MakesANuGetPackageWithTheLibrary()
    {
        var output = Directory.CreateTempSubdirectory("digiusher-client-pack");
        try
        {
            var project = Path.Combine(TestEnvironment.RepositoryRoot, "libs", "DigiUsher.Client", "DigiUsher.Client.csproj");
            using var pack = Process.Start(new ProcessStartInfo("dotnet", ["pack", project, "-c", TestEnvironment.Configuration, "--no-build", "-o", output.FullName, "-nologo"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var log = await pack.StandardOutput.ReadToEndAsync() + await pack.StandardError.ReadToEndAsync();
            await pack.WaitForExitAsync();
            Assert.True(pack.ExitCode == 0, log);

            using var package = ZipFile.OpenRead(Assert.Single(output.GetFiles("DigiUsher.Client.*.nupkg")).FullName);
            Assert.Contains(package.Entries, e => e.FullName == "lib/net10.0/DigiUsher.Client.dll");
            Assert.Contains(package.Entries, e => e.FullName == "lib/net10.0/DigiUsher.Client.xml");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}

internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
