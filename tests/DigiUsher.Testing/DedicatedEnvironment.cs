using System.Globalization;

namespace DigiUsher.Testing;

/// <summary>The environment a service process runs with against a <see cref="DedicatedPostgres"/> and a <see cref="DedicatedRabbitMq"/>.</summary>
public static class DedicatedEnvironment
{
    /// <summary>As <see cref="ServiceProcess.EnvironmentFor"/>, with the dedicated cluster's and node's addresses.</summary>
    public static Dictionary<string, string> For(string service, DedicatedPostgres postgres, DedicatedRabbitMq rabbit, string? motoUrl = null) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ConnectionStrings__Postgres"] = postgres.ConnectionStringFor(service),
        ["RabbitMq__Host"] = rabbit.Host,
        ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
        ["RabbitMq__VirtualHost"] = rabbit.VirtualHost,
        ["RabbitMq__Username"] = "guest",
        ["RabbitMq__Password"] = "guest",
        ["Aws__ServiceUrl"] = motoUrl ?? TestEnvironment.SharedMotoUrl,
        ["Jwt__SigningKey"] = TestEnvironment.JwtSigningKey,
        ["Credentials__TransportKey"] = TestEnvironment.TransportKey,
        ["Credentials__EncryptionKeys__0__Id"] = "test1",
        ["Credentials__EncryptionKeys__0__Key"] = TestEnvironment.EncryptionKey,
        ["Logging__Json"] = "true",
    };
}
