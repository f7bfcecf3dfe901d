namespace DigiUsher.Testing;

/// <summary>The environment a service process runs with against a <see cref="DedicatedPostgres"/> and a <see cref="DedicatedRabbitMq"/>.</summary>
public static class DedicatedEnvironment
{
    /// <summary>The environment of <c>ServiceProcess.EnvironmentFor</c>, with the dedicated cluster's and node's addresses.</summary>
    public static Dictionary<string, string> For(string service, DedicatedPostgres postgres, DedicatedRabbitMq rabbit, string? motoUrl = null) =>
        ServiceProcess.EnvironmentFor(service, postgres.ConnectionStringFor(service), rabbit.Host, rabbit.Port, rabbit.VirtualHost, motoUrl);
}
