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
        ["console"] = ("Console", 5100, "console_svc"),
    };

    // The configuration names scripts/dev exports to every service (the RabbitMQ user is each bus service's own).
    private static readonly string[] ConfigurationNames =
    [
        "ConnectionStrings__Postgres", "RabbitMq__Host", "RabbitMq__Port", "RabbitMq__VirtualHost", "Aws__ServiceUrl", "Auth__Issuer", "Auth__Authority", "Credentials__TransportKey",
        "Credentials__EncryptionKeys__0__Id", "Credentials__EncryptionKeys__0__Key", "Services__CurParser", "OTEL_EXPORTER_OTLP_ENDPOINT",
    ];

    private static string Root => TestEnvironment.RepositoryRoot;

    private static Dictionary<string, object> ComposeServices() => ComposeFile.Load(Path.Combine(Root, "docker-compose.yml")).Map("services");

    [Fact]
    public void Compose_WhenParsed_RunsTheSixServicesOnPorts5100To5105WithTheDevConfigurationNames()
    {
        var services = ComposeServices();

        foreach (var (name, (project, port, role)) in Services)
        {
            var service = services.Map(name);
            Assert.Equal([$"127.0.0.1:{port}:8080"], service.List("ports"));
            Assert.False(service.Map("build").ContainsKey("dockerfile"), "every service builds from the one Dockerfile at the root");
            Assert.Equal(project, service.Map("build").Map("args")["SERVICE"]);
            Assert.True(File.Exists(Path.Combine(Root, "services", project, $"DigiUsher.{project}.csproj")));
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
    public void Compose_WhenParsed_GivesEachBusServiceItsOwnRabbitMqUserMadeByTheChartsScriptAndNoGuest()
    {
        var services = ComposeServices();
        var topology = File.ReadAllLines(Path.Combine(Root, "charts", "digiusher", "files", "rabbitmq-topology.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t')[0]).ToList();
        var users = services.Map("rabbitmq-users");

        Assert.Equal(["data-source", "cur-poller", "cur-parser", "resource-discovery", "query"], topology);
        Assert.Equal(["./charts/digiusher/files/rabbitmq-users.sh:/digiusher/rabbitmq-users.sh:ro", "./charts/digiusher/files/rabbitmq-topology.tsv:/digiusher/rabbitmq-topology.tsv:ro"],
            users.List("volumes"));
        Assert.NotEqual("guest", services.Map("rabbitmq").Map("environment")["RABBITMQ_DEFAULT_USER"]);
        Assert.Equal(services.Map("rabbitmq").Map("environment")["RABBITMQ_DEFAULT_USER"], users.Map("environment")["RABBITMQ_ADMIN_USERNAME"]);
        foreach (var component in topology)
        {
            var environment = services.Map(component).Map("environment");
            var password = (string)users.Map("environment")[$"{component.ToUpperInvariant().Replace('-', '_')}_RABBITMQ_PASSWORD"];
            Assert.Equal($"digiusher-{component}", environment["RabbitMq__Username"]);
            Assert.Equal(password, environment["RabbitMq__Password"]);
            Assert.Equal("service_completed_successfully", services.Map(component).Map("depends_on").Map("rabbitmq-users")["condition"]);
        }

        var dataSource = services.Map("data-source").Map("environment");
        Assert.Equal(["digiusher-cur-poller", "digiusher-cur-parser", "digiusher-resource-discovery"],
            Enumerable.Range(0, 3).Select(i => dataSource[$"CredentialRequesters__Users__{i}"]));
        Assert.DoesNotContain(services, s => s.Value is Dictionary<string, object> service && service.ContainsKey("environment")
            && service.Map("environment").Any(e => e.Key.StartsWith("RabbitMq__Username", StringComparison.Ordinal) && Equals(e.Value, "guest")));
    }

    [Fact]
    public void Compose_WhenParsed_PublishesEveryPortOnLoopbackOnly()
    {
        // A port published as "5432:5432" listens on every interface of the host: Postgres, RabbitMQ's
        // management UI and the services with their development credentials would face the network (issue 18).
        var published = ComposeServices()
            .SelectMany(s => s.Value is Dictionary<string, object> service && service.ContainsKey("ports")
                ? service.List("ports").Select(p => (Service: s.Key, Port: Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)!))
                : [])
            .ToList();

        Assert.NotEmpty(published);
        Assert.All(published, p => Assert.True(p.Port.StartsWith("127.0.0.1:", StringComparison.Ordinal) && p.Port.Split(':').Length == 3,
            $"{p.Service} publishes {p.Port} beyond 127.0.0.1"));
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
        Assert.StartsWith("motoserver/moto:", (string)services.Map("moto")["image"], StringComparison.Ordinal);
        Assert.StartsWith("otel/opentelemetry-collector", (string)services.Map("otel-collector")["image"], StringComparison.Ordinal);
        Assert.StartsWith("prom/prometheus:", (string)services.Map("prometheus")["image"], StringComparison.Ordinal);
        Assert.StartsWith("grafana/grafana:", (string)services.Map("grafana")["image"], StringComparison.Ordinal);
        var mounts = new[] { "postgres", "otel-collector", "prometheus", "grafana" }.SelectMany(s => services.Map(s).List("volumes")).Cast<string>()
            .Where(v => v.StartsWith("./", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, mounts.Count);
        Assert.All(mounts, m => Assert.True(Path.Exists(Path.Combine(Root, m.Split(':')[0])), $"{m}: the mounted file is missing"));
        Assert.Contains(mounts, m => m.Contains(":/docker-entrypoint-initdb.d/", StringComparison.Ordinal));
        Assert.Contains("./charts/digiusher/dashboards:/var/lib/grafana/dashboards/digiusher:ro", mounts);
        Assert.Contains(mounts, m => m.StartsWith("./charts/digiusher/files/alerts.yaml:", StringComparison.Ordinal));
    }

    [Fact]
    public void Compose_WhenParsed_StartsMotoAsScriptsDevDoesAndASupportedRabbitMq()
    {
        var services = ComposeServices();
        var script = File.ReadAllText(Path.Combine(Root, "scripts", "dev"));

        // scripts/dev: MOTO_EC2_LOAD_DEFAULT_AMIS=false setsid moto_server ...
        var motoSettings = System.Text.RegularExpressions.Regex.Matches(script, @"(MOTO_[A-Z0-9_]+)=(\S+) setsid moto_server")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.NotEmpty(motoSettings);
        Assert.Equal(motoSettings, services.Map("moto").Map("environment").ToDictionary(e => e.Key, e => (string)e.Value));

        // 3.10 and 3.11 are past their end of life; 3.13 and 4.x are supported lines.
        var rabbit = System.Text.RegularExpressions.Regex.Match((string)services.Map("rabbitmq")["image"], @"^rabbitmq:(\d+)\.(\d+)-management$");
        Assert.True(rabbit.Success);
        var version = new Version(int.Parse(rabbit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(rabbit.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(version >= new Version(3, 13), $"rabbitmq {version} is not a supported line");
    }

    [Fact]
    public void ComposePrometheus_WhenParsed_ScrapesEveryServiceUnderItsKubernetesJobName()
    {
        var services = ComposeServices();
        var prometheus = ComposeFile.Load(Path.Combine(Root, "deploy", "compose", "prometheus.yaml"));

        var jobs = prometheus.List("scrape_configs").Cast<Dictionary<string, object>>()
            .ToDictionary(j => (string)j["job_name"], j => (string)((Dictionary<string, object>)j.List("static_configs")[0]).List("targets")[0]);
        foreach (var name in Services.Keys)
        {
            Assert.Equal($"{name}:8080", jobs[$"digiusher-{name}"]);
            Assert.True(services.ContainsKey(name));
        }
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
