using DigiUsher.Testing;

namespace DigiUsher.Foundation.Tests;

/// <summary>
/// The TLS settings reach the real drivers: with TLS required, a service never talks to this machine's
/// plain-text Postgres and RabbitMQ (what a stripped or misrouted connection looks like), and without it
/// the same service starts.
/// </summary>
public class ConnectionTlsTests
{
    [Fact]
    public async Task Migrate_WhenPostgresRequiresTlsAndTheServerOffersNone_RefusesToConnectInPlainText()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var virtualHost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, virtualHost);
        environment["ConnectionStrings__Postgres"] += ";SSL Mode=Require";

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.MigrateAsync("DataSource", environment));

        Assert.Contains("SSL", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Start_WhenRabbitMqTlsIsOnAndTheBrokerSpeaksPlainAmqp_NeverBecomesReady()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var virtualHost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, virtualHost);
        await ServiceProcess.MigrateAsync("DataSource", environment);

        environment["RabbitMq__Tls__Enabled"] = "true";
        await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var tls = await ServiceProcess.StartAsync("DataSource", environment, readyTimeout: TimeSpan.FromSeconds(30));
        });

        environment["RabbitMq__Tls__Enabled"] = "false";
        await using var plain = await ServiceProcess.StartAsync("DataSource", environment, readyTimeout: TimeSpan.FromMinutes(2));
        Assert.False(plain.HasExited);
    }
}
