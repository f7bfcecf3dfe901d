using System.Collections.Concurrent;
using DigiUsher.Client;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Tokens;
using DigiUsher.Testing;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>A DataSource process of its own (it issues the tokens), shared by the token tests of the typed client.</summary>
public sealed class DataSourceOnly : IAsyncLifetime
{
    public ServiceStack Stack { get; private set; } = null!;

    /// <summary>The three APIs' addresses; only DataSource runs, and only it is called.</summary>
    public DigiUsherEndpoints Endpoints => new(Stack["DataSource"].BaseAddress, Stack["DataSource"].BaseAddress, Stack["DataSource"].BaseAddress);

    public async Task InitializeAsync() => Stack = await ServiceStack.StartAsync(null, ["DataSource"]);

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>
/// The typed client's token sources against the real <c>/connect/token</c> of a running DataSource: the
/// token is obtained, cached, renewed a minute before it expires (by the client's clock, moved forward),
/// and a revoked client, a rotated secret or a wrong password ends in a <see cref="TokenRequestException"/>
/// carrying the endpoint's OAuth 2.0 error.
/// </summary>
public class ClientTokenTests(DataSourceOnly dataSource) : IClassFixture<DataSourceOnly>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ClientCredentials_WhenCalledRepeatedly_CachesTheTokenRenewsItBeforeExpiryAndFailsClearlyOnceTheClientIsRevoked()
    {
        var (admin, _) = await RegisterAsync();
        var created = await admin.DataSource.CreateServiceClientAsync(new CreateServiceClientRequest { Name = "reporting", Scopes = ["data-sources:read"] });
        var clock = new MovableClock();
        var wire = new TokenWire();
        using var service = new DigiUsherClient(dataSource.Endpoints,
            (_, http) => new ClientCredentialsTokenSource(http, created.ClientId, created.ClientSecret, ["data-sources:read"], clock), wire, clock);

        await service.DataSource.ListDataSourcesAsync();
        await service.DataSource.ListDataSourcesAsync();
        clock.Advance(TimeSpan.FromMinutes(13)); // DataSource's tokens live 15 minutes: still more than a minute left.
        await service.DataSource.ListDataSourcesAsync();
        Assert.Equal(["client_credentials"], wire.Grants);
        Assert.Single(wire.Bearers.Distinct());

        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // Under a minute left: renewed before it expires.
        await service.DataSource.ListDataSourcesAsync();
        Assert.Equal(["client_credentials", "client_credentials"], wire.Grants);
        Assert.Equal(2, wire.Bearers.Distinct().Count());

        await admin.DataSource.RevokeServiceClientAsync(created.Id);
        // The cached token is refused within seconds; the client then asks for a new one, which is refused.
        var refused = await Eventually.Get(async () =>
        {
            try
            {
                await service.DataSource.ListDataSourcesAsync();
                return null;
            }
            catch (TokenRequestException ex)
            {
                return ex;
            }
        }, Patience, "the revoked client's token to be refused");
        Assert.Equal("invalid_client", refused.Error);
        Assert.Contains("401 invalid_client: The client id or secret is wrong, or the client was revoked.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCredentials_WhenTheSecretWasRotatedWithoutOverlap_RefusesTheOldSecretAndGrantsTheNewOne()
    {
        var (admin, _) = await RegisterAsync();
        var created = await admin.DataSource.CreateServiceClientAsync(new CreateServiceClientRequest { Name = "rotating", Scopes = ["costs:read", "data-sources:read"] });
        using var http = new HttpClient { BaseAddress = dataSource.Endpoints.DataSource };
        var before = await new ClientCredentialsTokenSource(http, created.ClientId, created.ClientSecret, ["costs:read"]).RequestAsync(CancellationToken.None);

        var rotated = await admin.DataSource.RotateServiceClientSecretAsync(created.Id, new RotateServiceClientSecretRequest { OverlapHours = 0 });

        var old = await Assert.ThrowsAsync<TokenRequestException>(() => new ClientCredentialsTokenSource(http, created.ClientId, created.ClientSecret, []).RequestAsync(CancellationToken.None));
        Assert.Equal("invalid_client", old.Error);
        var notGranted = await Assert.ThrowsAsync<TokenRequestException>(() => new ClientCredentialsTokenSource(http, created.ClientId, rotated.ClientSecret, ["users:read"]).RequestAsync(CancellationToken.None));
        Assert.Equal("invalid_scope", notGranted.Error);
        Assert.Contains("users:read", notGranted.Message, StringComparison.Ordinal);
        var after = await new ClientCredentialsTokenSource(http, created.ClientId, rotated.ClientSecret, ["costs:read"]).RequestAsync(CancellationToken.None);
        Assert.NotEqual(before.Value, after.Value);
        Assert.InRange(after.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task Password_WhenRenewed_UsesTheRefreshTokenAndAfterSignOutSignsInAgainWithThePassword()
    {
        var email = $"person-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        using var anonymous = new DigiUsherClient(dataSource.Endpoints);
        await anonymous.Anonymous.RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = "Token Corp" });
        var clock = new MovableClock();
        var wire = new TokenWire();
        using var person = new DigiUsherClient(dataSource.Endpoints, (api, _) => new PasswordTokenSource(api, new TokenRequest { Email = email, Password = password }, clock), wire, clock);
        var source = (PasswordTokenSource)person.TokenSource!;

        await person.DataSource.ListUsersAsync();
        Assert.True(source.SignedIn);
        clock.Advance(TimeSpan.FromMinutes(14) + TimeSpan.FromSeconds(1));
        await person.DataSource.ListUsersAsync();
        await source.SignOutAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(14) + TimeSpan.FromSeconds(1));
        await person.DataSource.ListUsersAsync();

        Assert.Equal(["password", "refresh_token", "password"], wire.Grants);
        Assert.Equal(3, wire.Bearers.Distinct().Count());
        Assert.Equal(["refresh_token"], wire.Revocations);

        var wrong = await Assert.ThrowsAsync<TokenRequestException>(() => PasswordTokenSource.ForUser(person.Anonymous, email, "not-the-password").RequestAsync(CancellationToken.None));
        Assert.Equal("invalid_grant", wrong.Error);
        Assert.Contains("The email or password is wrong.", wrong.Message, StringComparison.Ordinal);
    }

    private async Task<(DigiUsherClient Admin, string Email)> RegisterAsync()
    {
        var email = $"tokens-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        var admin = new DigiUsherClient(dataSource.Endpoints, (api, _) => PasswordTokenSource.ForUser(api, email, password));
        await admin.Anonymous.RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = "Tokens " + Guid.NewGuid().ToString("N")[..6] });
        return (admin, email);
    }

    /// <summary>The client's clock, from now on, moved forward by the test.</summary>
    private sealed class MovableClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }

    /// <summary>What went over the wire: each grant asked of /connect/token, each revocation, each bearer token sent to the APIs.</summary>
    private sealed class TokenWire() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentQueue<string> _grants = new();
        private readonly ConcurrentQueue<string> _revocations = new();
        private readonly ConcurrentQueue<string> _bearers = new();

        public IReadOnlyList<string> Grants => [.. _grants];

        public IReadOnlyList<string> Revocations => [.. _revocations];

        public IReadOnlyList<string> Bearers => [.. _bearers];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path is "/connect/token" or "/connect/revoke")
            {
                var form = System.Web.HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync(cancellationToken));
                (path == "/connect/token" ? _grants : _revocations).Enqueue(form[path == "/connect/token" ? "grant_type" : "token_type_hint"] ?? "(none)");
            }
            else if (request.Headers.Authorization is { Scheme: "Bearer", Parameter: { } token })
            {
                _bearers.Enqueue(token);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
