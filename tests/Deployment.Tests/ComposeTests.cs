using Dapper;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Deployment.Tests;

public class ComposeTests
{
    private static readonly Dictionary<string, (string Project, int Port, string Role)> Services = new()
    {
        ["data-source"] = ("DataSource", 5101, "datasource_svc"),
        ["cur-poller"] = ("CurPoller", 5102, "curpoller_svc"),
        ["cur-parser"] = ("CurParser", 5103, "curparser_svc"),
        ["resource-discovery"] = ("ResourceDiscovery", 5104, "discovery_svc"),
        ["query"] = ("Query", 5105, "query_svc"),
    };

    // The configuration names scripts/dev exports to every service.
    private static readonly string[] ConfigurationNames =
    [
        "ConnectionStrings__Postgres", "RabbitMq__Host", "RabbitMq__Port", "RabbitMq__VirtualHost", "RabbitMq__Username",
        "RabbitMq__Password", "Aws__ServiceUrl", "Jwt__SigningKey", "Credentials__TransportKey",
        "Credentials__EncryptionKeys__0__Id", "Credentials__EncryptionKeys__0__Key", "Services__CurParser", "OTEL_EXPORTER_OTLP_ENDPOINT",
    ];

    private static string Root => TestEnvironment.RepositoryRoot;

    private static Dictionary<string, object> ComposeServices() => ComposeFile.Load(Path.Combine(Root, "docker-compose.yml")).Map("services");

    [Fact]
    public void Compose_WhenParsed_RunsTheFiveServicesOnPorts5101To5105WithTheDevConfigurationNames()
    {
        var services = ComposeServices();

        foreach (var (name, (project, port, role)) in Services)
        {
            var service = services.Map(name);
            Assert.Equal([$"{port}:8080"], service.List("ports"));
            Assert.Equal($"services/{project}/Dockerfile", service.Map("build")["dockerfile"]);
            Assert.True(File.Exists(Path.Combine(Root, "services", project, "Dockerfile")));
            var environment = service.Map("environment");
            Assert.Superset(ConfigurationNames.ToHashSet(), environment.Keys.ToHashSet());
            Assert.Contains($"Username={role};", (string)environment["ConnectionStrings__Postgres"], StringComparison.Ordinal);
            Assert.Contains("Host=postgres;", (string)environment["ConnectionStrings__Postgres"], StringComparison.Ordinal);
            Assert.Equal("rabbitmq", environment["RabbitMq__Host"]);
            Assert.Equal("http://moto:5000", environment["Aws__ServiceUrl"]);
            Assert.Equal("http://cur-parser:8080", environment["Services__CurParser"]);
            Assert.Equal("true", service["read_only"]);
            Assert.Equal(["/tmp"], service.List("tmpfs"));
            Assert.Equal("service_healthy", services.Map(name).Map("depends_on").Map("rabbitmq")["condition"]);
        }
    }

    [Fact]
    public void Compose_WhenParsed_MigratesEachSchemaOnceBeforeItsServiceStarts()
    {
        var services = ComposeServices();

        foreach (var (name, (_, _, role)) in Services)
        {
            var migration = services.Map($"migrate-{name}");
            var service = services.Map(name);
            Assert.Equal(["migrate"], migration.List("command"));
            Assert.Equal(service["image"], migration["image"]);
            Assert.Equal("no", migration["restart"]);
            Assert.Equal(service.Map("environment")["ConnectionStrings__Postgres"], migration.Map("environment")["ConnectionStrings__Postgres"]);
            Assert.Contains($"Username={role};", (string)migration.Map("environment")["ConnectionStrings__Postgres"], StringComparison.Ordinal);
            Assert.Equal("service_healthy", migration.Map("depends_on").Map("postgres")["condition"]);
            Assert.Equal("service_completed_successfully", service.Map("depends_on").Map($"migrate-{name}")["condition"]);
        }
    }

    [Fact]
    public void Compose_WhenParsed_RunsTheInfrastructureWithItsConfigurationFiles()
    {
        var services = ComposeServices();

        Assert.StartsWith("postgres:15", (string)services.Map("postgres")["image"], StringComparison.Ordinal);
        Assert.Equal("rabbitmq:3.10-management", services.Map("rabbitmq")["image"]);
        Assert.StartsWith("motoserver/moto:", (string)services.Map("moto")["image"], StringComparison.Ordinal);
        Assert.StartsWith("otel/opentelemetry-collector", (string)services.Map("otel-collector")["image"], StringComparison.Ordinal);
        var mounts = new[] { "postgres", "otel-collector" }.SelectMany(s => services.Map(s).List("volumes")).Cast<string>()
            .Where(v => v.StartsWith("./", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, mounts.Count);
        Assert.All(mounts, m => Assert.True(File.Exists(Path.Combine(Root, m.Split(':')[0])), $"{m}: the mounted file is missing"));
        Assert.Contains(mounts, m => m.Contains(":/docker-entrypoint-initdb.d/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostgresInitScript_WhenRunTwice_CreatesTheDatabaseWithConnectAndCreateForEachServiceRole()
    {
        var admin = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin);
        var database = "compose_" + Guid.NewGuid().ToString("N")[..12];
        var environment = new Dictionary<string, string>
        {
            ["POSTGRES_USER"] = admin.Username!,
            ["PGHOST"] = admin.Host!,
            ["PGPORT"] = admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGPASSWORD"] = admin.Password!,
            ["DIGIUSHER_DATABASE"] = database,
        };
        var script = Path.Combine(Root, "deploy", "compose", "postgres-init.sh");
        try
        {
            await CommandLine.RunAsync("bash", [script], environment: environment);
            await CommandLine.RunAsync("bash", [script], environment: environment);

            await using var connection = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
            foreach (var (_, (_, _, role)) in Services)
            {
                Assert.True(await connection.ExecuteScalarAsync<bool>(
                    "select has_database_privilege(@role, @database, 'CONNECT') and has_database_privilege(@role, @database, 'CREATE')",
                    new { role, database }), $"{role} lacks CONNECT or CREATE on {database}");
            }
        }
        finally
        {
            await using var connection = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
            await connection.ExecuteAsync($"drop database if exists {database} with (force)");
        }
    }
}
