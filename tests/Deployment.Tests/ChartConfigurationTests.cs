using System.Text.RegularExpressions;
using DigiUsher.Testing;
using k8s.Models;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// The environment the chart gives a pod (ConfigMap, inline values, Secret references resolved the
/// way the kubelet resolves them) must migrate and start the real service against real Postgres
/// and RabbitMQ: a misspelled configuration name or a malformed connection string fails here, not
/// on a cluster.
/// </summary>
public partial class ChartConfigurationTests
{
    public static TheoryData<string> Services => new(TestDatabase.Schemas.Keys);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ChartEnvironment_WhenTheServiceMigratesAndStartsWithIt_BecomesReady(string service)
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin);
        // Staging: the local broker's guest account and the test keys stand in for the operator's Secrets,
        // which Production refuses (ProductionSecretsTests).
        // Each bus service's RabbitMQ user named after the test's virtual host (users are broker-wide).
        var busUsers = BusServices.SelectMany(key => (string[])["--set", $"services.{key}.rabbitmq.username={key}.{vhost.Name}"]);
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync([
            "--set", "environment=Staging",
            "--set", $"postgres.host={postgres.Host}", "--set", $"postgres.port={postgres.Port}", "--set", $"postgres.database={database.Name}",
            "--set", $"rabbitmq.host={TestEnvironment.RabbitHost}", "--set", $"rabbitmq.port={TestEnvironment.RabbitPort}",
            "--set", $"rabbitmq.virtualHost={vhost.Name}", "--set", $"aws.serviceUrl={TestEnvironment.SharedMotoUrl}", .. busUsers]));
        var component = Regex.Replace(service, "(?<!^)([A-Z])", "-$1").ToLowerInvariant();
        var job = manifests.Single<V1Job>($"digiusher-{component}-migrate").Spec.Template.Spec.Containers[0];
        var deployment = manifests.Single<V1Deployment>($"digiusher-{component}").Spec.Template.Spec.Containers[0];
        var configMap = manifests.Single<V1ConfigMap>(deployment.EnvFrom[0].ConfigMapRef.Name).Data;

        // The chart's Job creates the services' RabbitMQ users (its script from its ConfigMap, against the local management API).
        var usersJob = manifests.Single<V1Job>("digiusher-rabbitmq-users").Spec.Template.Spec.Containers[0];
        var usersScript = manifests.Single<V1ConfigMap>("digiusher-rabbitmq-users").Data;
        var scriptFolder = Directory.CreateTempSubdirectory("rabbitmq-users-");
        try
        {
            foreach (var (file, content) in usersScript)
            {
                await File.WriteAllTextAsync(Path.Combine(scriptFolder.FullName, file), content);
            }

            var usersEnvironment = Resolve(new Dictionary<string, string>(), usersJob.Env, service);
            Assert.Equal(TestEnvironment.RabbitHost, usersEnvironment["RabbitMq__Host"]);
            usersEnvironment["RABBITMQ_MANAGEMENT_URL"] = TestEnvironment.RabbitManagement.ToString();
            await CommandLine.RunAsync("sh", [Path.Combine(scriptFolder.FullName, "rabbitmq-users.sh")], environment: usersEnvironment);
        }
        finally
        {
            scriptFolder.Delete(recursive: true);
            foreach (var key in BusServices)
            {
                vhost.DeleteUserOnDispose($"{key}.{vhost.Name}");
            }
        }

        await ServiceProcess.MigrateAsync(service, Resolve(new Dictionary<string, string>(), job.Env, service));
        await using var process = await ServiceProcess.StartAsync(service, Resolve(configMap, deployment.Env, service),
            readyTimeout: TimeSpan.FromSeconds(90));

        using var http = process.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    // envFrom first, then env in order, each value expanding $(NAME) of those defined before it
    // (https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/).
    private static Dictionary<string, string> Resolve(IDictionary<string, string> configMap, IEnumerable<V1EnvVar> env, string service)
    {
        var result = new Dictionary<string, string>(configMap, StringComparer.Ordinal);
        foreach (var variable in env)
        {
            result[variable.Name] = variable.ValueFrom?.SecretKeyRef is { } secret
                ? SecretValue(secret.Name, secret.Key, service)
                : Reference().Replace(variable.Value ?? string.Empty, m => result.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        }

        return result;
    }

    private static readonly string[] BusServices = ["dataSource", "curPoller", "curParser", "resourceDiscovery", "query"];

    // What an operator puts in the Secrets the chart references, for the local infrastructure.
    private static string SecretValue(string name, string key, string service) => (name, key) switch
    {
        ("digiusher-rabbitmq-admin", "username") or ("digiusher-rabbitmq-admin", "password") => "guest",
        (_, "password") when name.StartsWith("digiusher-rabbitmq-", StringComparison.Ordinal) => "test-only-" + name,
        ("digiusher-service-identities", "query") => TestEnvironment.ServiceSecret("query"),
        ("digiusher-service-identities", "admin") => TestEnvironment.ServiceSecret("admin"),
        ("digiusher-credentials", "transport-key") => TestEnvironment.TransportKey,
        ("digiusher-credentials", "encryption-key-k1") => TestEnvironment.EncryptionKey,
        (_, "password") when name == $"digiusher-db-{TestDatabase.Schemas[service]}" => $"{TestDatabase.Schemas[service]}_svc",
        _ => throw new InvalidOperationException($"The chart references an unexpected secret {name}/{key} for {service}."),
    };

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
