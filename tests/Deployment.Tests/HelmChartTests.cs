using DigiUsher.Deployment.Tests.Keda;
using DigiUsher.Testing;
using k8s.Models;

namespace DigiUsher.Deployment.Tests;

public class HelmChartTests
{
    private static readonly string[] Components = ["data-source", "cur-poller", "cur-parser", "resource-discovery", "query", "console"];

    public static TheoryData<string> ValueFiles => new() { "default", "production" };

    private static Task<string> RenderAsync(string values) => values == "production"
        ? KubernetesTools.TemplateAsync("-f", KubernetesTools.ProductionValues)
        : KubernetesTools.TemplateAsync();

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task HelmLint_WhenValues_PassesStrictly(string values)
    {
        var arguments = values == "production"
            ? new[] { "lint", "--strict", KubernetesTools.Chart, "-f", KubernetesTools.ProductionValues }
            : ["lint", "--strict", KubernetesTools.Chart];

        var output = await KubernetesTools.HelmAsync(arguments);

        Assert.Contains("0 chart(s) failed", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task HelmTemplate_WhenValues_EveryObjectParsesStrictlyAsItsKubernetesType(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        var kinds = manifests.Objects.Where(o => o is not V1ConfigMap map || !map.Metadata.Labels.ContainsKey("grafana_dashboard"))
            .GroupBy(o => o.GetType()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, kinds[typeof(V1Deployment)]);
        Assert.Equal(6, kinds[typeof(V1Service)]);
        Assert.Equal(7, kinds[typeof(V1ConfigMap)]); // and the rabbitmq-users script's
        Assert.Equal(6, kinds[typeof(V1ServiceAccount)]);
        Assert.Equal(7, kinds[typeof(V1Job)]); // six migrations and the rabbitmq-users Job
        Assert.Equal(2, kinds[typeof(V2HorizontalPodAutoscaler)]);
        Assert.Equal(1, kinds[typeof(V1Alpha1ScaledObject)]);
        Assert.Equal(1, kinds[typeof(V1Alpha1TriggerAuthentication)]);
        Assert.Equal(1, kinds[typeof(V1Ingress)]);
        Assert.True(kinds[typeof(V1PodDisruptionBudget)] >= 3);
        Assert.Equal(7, kinds[typeof(V1NetworkPolicy)]);
    }

    [Fact]
    public void StrictParsing_WhenAFieldIsUnknown_Fails()
    {
        const string yaml = """
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata:
              name: parser
            spec:
              scaleTargetRef:
                name: parser
              maxReplicas: 10
              triggers: []
            """;

        Assert.ThrowsAny<Exception>(() => Manifests.Parse(yaml));
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Deployments_WhenRendered_HaveProbesResourcesAndANonRootReadOnlyContainer(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        foreach (var component in Components)
        {
            var deployment = manifests.Single<V1Deployment>($"digiusher-{component}");
            var pod = deployment.Spec.Template.Spec;
            var container = Assert.Single(pod.Containers);
            Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
            Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/health/live", container.StartupProbe.HttpGet.Path);
            Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
            Assert.NotNull(container.Resources.Requests["cpu"]);
            Assert.NotNull(container.Resources.Requests["memory"]);
            Assert.NotNull(container.Resources.Limits["memory"]);
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.False(pod.AutomountServiceAccountToken);
            var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
            Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);
            Assert.Equal($"digiusher-{component}", Assert.Single(container.EnvFrom).ConfigMapRef.Name);
            Assert.Contains(container.Env, e => e.Name == "ConnectionStrings__Postgres");
        }
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Secrets_WhenRendered_AreReferencedFromSecretsAndNeverWrittenIntoTheManifests(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));
        var secretNames = new[] { "Credentials__TransportKey", "DIGIUSHER_DB_PASSWORD" };
        var roles = new Dictionary<string, string>
        {
            ["data-source"] = "datasource_svc", ["cur-poller"] = "curpoller_svc", ["cur-parser"] = "curparser_svc",
            ["resource-discovery"] = "discovery_svc", ["query"] = "query_svc", ["console"] = "console_svc",
        };

        foreach (var component in Components)
        {
            var pods = new[]
            {
                manifests.Single<V1Deployment>($"digiusher-{component}").Spec.Template.Spec,
                manifests.Single<V1Job>($"digiusher-{component}-migrate").Spec.Template.Spec,
            };
            foreach (var env in pods.Select(p => Assert.Single(p.Containers).Env))
            {
                foreach (var name in secretNames)
                {
                    var variable = Assert.Single(env, e => e.Name == name);
                    Assert.Null(variable.Value);
                    Assert.False(string.IsNullOrEmpty(variable.ValueFrom.SecretKeyRef.Name));
                }

                Assert.Equal($"digiusher-db-{roles[component].Replace("_svc", string.Empty, StringComparison.Ordinal)}",
                    env.Single(e => e.Name == "DIGIUSHER_DB_PASSWORD").ValueFrom.SecretKeyRef.Name);
                // Each bus service is a RabbitMQ user of its own, its password in a Secret of its own; the console uses no bus.
                if (component == "console")
                {
                    Assert.DoesNotContain(env, e => e.Name is "RabbitMq__Username" or "RabbitMq__Password");
                }
                else
                {
                    Assert.Equal($"digiusher-{component}", env.Single(e => e.Name == "RabbitMq__Username").Value);
                    Assert.Null(env.Single(e => e.Name == "RabbitMq__Password").Value);
                    Assert.Equal($"digiusher-rabbitmq-{component}", env.Single(e => e.Name == "RabbitMq__Password").ValueFrom.SecretKeyRef.Name);
                }
                var connectionString = env.Single(e => e.Name == "ConnectionStrings__Postgres").Value;
                Assert.Contains($"Username={roles[component]};", connectionString, StringComparison.Ordinal);
                Assert.Contains("Password=$(DIGIUSHER_DB_PASSWORD)", connectionString, StringComparison.Ordinal);
                var encryptionKeys = env.Where(e => e.Name.StartsWith("Credentials__EncryptionKeys__", StringComparison.Ordinal) && e.Name.EndsWith("__Key", StringComparison.Ordinal)).ToList();
                if (component == "data-source")
                {
                    Assert.NotNull(Assert.Single(encryptionKeys).ValueFrom.SecretKeyRef);
                }
                else
                {
                    Assert.Empty(encryptionKeys);
                }
            }
        }

        Assert.DoesNotContain(manifests.Objects, o => o is V1Secret);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task RabbitMqUsers_WhenRendered_AreMadeByAHookJobRunningTheChartsScriptAndDataSourceAnswersOnlyTheCredentialRequesters(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));
        var job = manifests.Single<V1Job>("digiusher-rabbitmq-users");
        var scripts = manifests.Single<V1ConfigMap>("digiusher-rabbitmq-users");
        var env = Assert.Single(job.Spec.Template.Spec.Containers).Env;

        Assert.Equal("pre-install,pre-upgrade", job.Metadata.Annotations["helm.sh/hook"]);
        Assert.Equal("pre-install,pre-upgrade", scripts.Metadata.Annotations["helm.sh/hook"]);
        Assert.True(int.Parse(scripts.Metadata.Annotations["helm.sh/hook-weight"], System.Globalization.CultureInfo.InvariantCulture)
            < int.Parse(job.Metadata.Annotations["helm.sh/hook-weight"], System.Globalization.CultureInfo.InvariantCulture));
        foreach (var file in new[] { "rabbitmq-users.sh", "rabbitmq-topology.tsv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "charts", "digiusher", "files", file)).TrimEnd(), scripts.Data[file].TrimEnd());
        }

        Assert.Equal("digiusher-rabbitmq-admin", env.Single(e => e.Name == "RABBITMQ_ADMIN_PASSWORD").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("cur-parser cur-poller data-source query resource-discovery",
            string.Join(' ', env.Single(e => e.Name == "RABBITMQ_COMPONENTS").Value.Split(' ').Order(StringComparer.Ordinal)));
        foreach (var component in Components.Where(c => c != "console"))
        {
            var variable = component.ToUpperInvariant().Replace('-', '_');
            Assert.Equal($"digiusher-{component}", env.Single(e => e.Name == $"{variable}_RABBITMQ_USERNAME").Value);
            Assert.Equal($"digiusher-rabbitmq-{component}", env.Single(e => e.Name == $"{variable}_RABBITMQ_PASSWORD").ValueFrom.SecretKeyRef.Name);
        }

        var dataSource = manifests.Single<V1ConfigMap>("digiusher-data-source").Data;
        Assert.Equal(["digiusher-cur-parser", "digiusher-cur-poller", "digiusher-resource-discovery"],
            dataSource.Where(e => e.Key.StartsWith("CredentialRequesters__Users__", StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value));
        Assert.DoesNotContain(manifests.Single<V1ConfigMap>("digiusher-query").Data.Keys, k => k.StartsWith("CredentialRequesters", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task MigrationJobs_WhenRendered_ArePreInstallAndPreUpgradeHooksRunningMigrate(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        foreach (var component in Components)
        {
            var job = manifests.Single<V1Job>($"digiusher-{component}-migrate");
            Assert.Equal("pre-install,pre-upgrade", job.Metadata.Annotations["helm.sh/hook"]);
            Assert.Contains("before-hook-creation", job.Metadata.Annotations["helm.sh/hook-delete-policy"], StringComparison.Ordinal);
            var container = Assert.Single(job.Spec.Template.Spec.Containers);
            Assert.Equal(["migrate"], container.Args);
            Assert.Equal(manifests.Single<V1Deployment>($"digiusher-{component}").Spec.Template.Spec.Containers[0].Image, container.Image);
            Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.True(job.Spec.Template.Spec.SecurityContext.RunAsNonRoot);

            // A hook runs before the release's ConfigMap exists: the Job carries the same settings inline.
            var config = manifests.Single<V1ConfigMap>($"digiusher-{component}").Data;
            foreach (var (name, value) in config)
            {
                Assert.Equal(value, Assert.Single(container.Env, e => e.Name == name).Value);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task ScaledObject_WhenRendered_ScalesTheCurParserDeploymentOnTheReportAvailableQueue(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        var scaled = manifests.Single<V1Alpha1ScaledObject>("digiusher-cur-parser");
        Assert.Equal("Deployment", scaled.Spec.ScaleTargetRef.Kind);
        Assert.Equal("digiusher-cur-parser", scaled.Spec.ScaleTargetRef.Name);
        Assert.NotNull(manifests.Single<V1Deployment>(scaled.Spec.ScaleTargetRef.Name));
        Assert.True(scaled.Spec.MinReplicaCount >= 1);
        Assert.True(scaled.Spec.MaxReplicaCount > scaled.Spec.MinReplicaCount);
        var trigger = Assert.Single(scaled.Spec.Triggers);
        Assert.Equal("rabbitmq", trigger.Type);
        Assert.Equal("cur-parser-report-available", trigger.Metadata["queueName"]);
        Assert.Equal("QueueLength", trigger.Metadata["mode"]);
        Assert.True(int.Parse(trigger.Metadata["value"], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        var authentication = manifests.Single<V1Alpha1TriggerAuthentication>(trigger.AuthenticationRef!.Name);
        var host = Assert.Single(authentication.Spec.SecretTargetRef!);
        Assert.Equal("host", host.Parameter);
        Assert.False(string.IsNullOrEmpty(host.Name));

        // KEDA owns the replica count: a fixed one in the Deployment would fight it on every apply.
        Assert.Null(manifests.Single<V1Deployment>("digiusher-cur-parser").Spec.Replicas);
    }

    [Fact]
    public async Task ScaledObject_WhenKedaDisabled_IsNotRenderedAndTheParserHasFixedReplicas()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync("--set", "services.curParser.keda.enabled=false", "--set", "services.curParser.replicaCount=3"));

        Assert.Empty(manifests.OfKind<V1Alpha1ScaledObject>());
        Assert.Empty(manifests.OfKind<V1Alpha1TriggerAuthentication>());
        Assert.Equal(3, manifests.Single<V1Deployment>("digiusher-cur-parser").Spec.Replicas);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Autoscalers_WhenRendered_ScaleQueryAndDataSourceOnCpu(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        var autoscalers = manifests.OfKind<V2HorizontalPodAutoscaler>().ToList();
        Assert.Equal(["digiusher-data-source", "digiusher-query"], autoscalers.Select(h => h.Spec.ScaleTargetRef.Name).Order());
        foreach (var hpa in autoscalers)
        {
            Assert.Equal("cpu", Assert.Single(hpa.Spec.Metrics).Resource.Name);
            Assert.True(hpa.Spec.MinReplicas >= 2);
            Assert.Null(manifests.Single<V1Deployment>(hpa.Spec.ScaleTargetRef.Name).Spec.Replicas);
        }
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Shutdown_WhenAParserIsStopped_ItHasTimeToFinishOrHandBackItsMessage(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        var pod = manifests.Single<V1Deployment>("digiusher-cur-parser").Spec.Template.Spec;
        var shutdownTimeout = int.Parse(manifests.Single<V1ConfigMap>("digiusher-cur-parser").Data["DOTNET_shutdownTimeoutSeconds"],
            System.Globalization.CultureInfo.InvariantCulture);
        var preStop = (int)pod.Containers[0].Lifecycle.PreStop.Sleep.Seconds;

        Assert.True(shutdownTimeout >= 60, "a parser needs a minute or more to finish a file or roll back");
        Assert.True(pod.TerminationGracePeriodSeconds > preStop + shutdownTimeout,
            "the kubelet must not SIGKILL the parser before the host's shutdown timeout has cancelled the import");
        Assert.NotNull(manifests.Single<V1PodDisruptionBudget>("digiusher-cur-parser").Spec.MaxUnavailable);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task NetworkPolicies_WhenRendered_LetOnlyServicesWithPublicRoutesTakeTrafficFromTheIngressAndLabelledCallers(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        foreach (var component in Components)
        {
            var policy = manifests.Single<V1NetworkPolicy>($"digiusher-{component}");
            Assert.Equal(component, policy.Spec.PodSelector.MatchLabels["app.kubernetes.io/component"]);
            Assert.Contains("Ingress", policy.Spec.PolicyTypes);
            var peers = (policy.Spec.Ingress ?? []).SelectMany(rule => rule.FromProperty).ToList();
            var fromIngressController = peers.Any(peer => peer.NamespaceSelector?.MatchLabels?.TryGetValue("kubernetes.io/metadata.name", out var ns) == true && ns == "ingress-nginx");
            var fromLabelledCallers = peers.Any(peer => peer.PodSelector?.MatchLabels?.TryGetValue("digiusher.io/api-client", out var label) == true && label == "true");
            Assert.Equal(component is "data-source" or "query" or "resource-discovery" or "console", fromIngressController);
            Assert.Equal(fromIngressController, fromLabelledCallers);
        }

        // Besides Prometheus (MonitoringTests): CurParser from Query only, CurPoller from nobody.
        static bool FromPrometheus(V1NetworkPolicyIngressRule rule) =>
            rule.FromProperty.All(peer => peer.NamespaceSelector?.MatchLabels?.TryGetValue("kubernetes.io/metadata.name", out var ns) == true && ns == "monitoring");
        var parser = manifests.Single<V1NetworkPolicy>("digiusher-cur-parser");
        var fromQuery = Assert.Single(parser.Spec.Ingress, rule => !FromPrometheus(rule));
        Assert.Equal("query", Assert.Single(fromQuery.FromProperty).PodSelector.MatchLabels["app.kubernetes.io/component"]);
        Assert.All(manifests.Single<V1NetworkPolicy>("digiusher-cur-poller").Spec.Ingress, rule => Assert.True(FromPrometheus(rule)));
    }

    [Fact]
    public async Task NetworkPolicies_WhenEgressRestricted_AllowWhatEachServiceNeedsOnly()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync());

        static IEnumerable<int> Ports(V1NetworkPolicy policy) =>
            policy.Spec.Egress.SelectMany(rule => rule.Ports).Select(p => int.Parse(p.Port.Value, System.Globalization.CultureInfo.InvariantCulture));

        foreach (var component in Components)
        {
            var policy = manifests.Single<V1NetworkPolicy>($"digiusher-{component}");
            Assert.Contains("Egress", policy.Spec.PolicyTypes);
            var ports = Ports(policy).ToHashSet();
            Assert.Superset(new HashSet<int> { 53, 5432, 5672 }, ports);
            Assert.Equal(component is not ("query" or "console"), ports.Contains(443));
        }

        var query = manifests.Single<V1NetworkPolicy>("digiusher-query");
        Assert.Contains(query.Spec.Egress, rule => rule.To?.Any(peer => peer.PodSelector?.MatchLabels["app.kubernetes.io/component"] == "cur-parser") == true);
        // Every service but the token issuer reads DataSource's JWKS.
        foreach (var component in Components.Where(c => c != "data-source"))
        {
            Assert.Contains(manifests.Single<V1NetworkPolicy>($"digiusher-{component}").Spec.Egress,
                rule => rule.To?.Any(peer => peer.PodSelector?.MatchLabels.TryGetValue("app.kubernetes.io/component", out var callee) == true && callee == "data-source") == true);
        }

        var console = manifests.Single<V1NetworkPolicy>("digiusher-console");
        Assert.Equal(["data-source", "query", "resource-discovery"], console.Spec.Egress
            .SelectMany(rule => rule.To ?? []).Select(peer => peer.PodSelector?.MatchLabels is { } labels && labels.TryGetValue("app.kubernetes.io/component", out var callee) ? callee : null)
            .OfType<string>().Order());
        var migrations = manifests.Single<V1NetworkPolicy>("digiusher-migrations");
        Assert.Equal([53, 53, 5432], Ports(migrations).Order());
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Ingress_WhenRendered_RoutesThePublicApiItsDocumentsAndReferencesOverTls(string values)
    {
        var manifests = Manifests.Parse(await RenderAsync(values));

        var ingress = Assert.Single(manifests.OfKind<V1Ingress>());
        var paths = Assert.Single(ingress.Spec.Rules).Http.Paths;
        Assert.All(paths.Where(p => p.Path != "/"), p => Assert.Matches("^/(api/v1|openapi|scalar|connect|\\.well-known)/", p.Path + "/"));
        Assert.Equal("digiusher-console", Assert.Single(paths, p => p.Path == "/").Backend.Service.Name);
        Assert.Equal(["digiusher-console", "digiusher-data-source", "digiusher-query", "digiusher-resource-discovery"], paths.Select(p => p.Backend.Service.Name).Distinct().Order());
        Assert.Contains(paths, p => p.Path == "/api/v1/users" && p.Backend.Service.Name == "digiusher-data-source");
        Assert.Contains(paths, p => p.Path == "/api/v1/service-clients" && p.Backend.Service.Name == "digiusher-data-source");
        Assert.Contains(paths, p => p.Path == "/api/v1/owner-rules" && p.Backend.Service.Name == "digiusher-resource-discovery");
        Assert.Contains(paths, p => p.Path == "/scalar/query" && p.Backend.Service.Name == "digiusher-query");
        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal(Assert.Single(ingress.Spec.Rules).Host, Assert.Single(tls.Hosts));
        if (values == "production")
        {
            Assert.Equal("api.digiusher.example.com", Assert.Single(tls.Hosts));
            Assert.Equal("letsencrypt", ingress.Metadata.Annotations["cert-manager.io/cluster-issuer"]);
        }
        else
        {
            Assert.Null(ingress.Metadata.Annotations);
        }
    }

    [Theory]
    [InlineData("/internal/v1/imports")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task HelmTemplate_WhenARouteNamesAnInternalEndpoint_FailsWithTheReason(string path)
    {
        var (exitCode, _, error) = await KubernetesTools.TryHelmAsync(
            "template", "digiusher", KubernetesTools.Chart, "--set", $"services.curParser.routes={{{path}}}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"services.curParser.routes: {path} is not a public path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelmTemplate_WhenANewServiceIsOneEntry_RendersItsWholeSetWithTheDefaults()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync(
            "--set", "services.reports.project=Reports", "--set", "services.reports.component=reports",
            "--set", "services.reports.routes={/api/v1/reports}", "--set", "services.reports.calls={query}"));

        var deployment = manifests.Single<V1Deployment>("digiusher-reports");
        Assert.Equal("digiusher/reports:0.1.0", deployment.Spec.Template.Spec.Containers[0].Image);
        Assert.DoesNotContain(deployment.Spec.Template.Spec.Containers[0].Env, e => e.Name == "ConnectionStrings__Postgres");
        Assert.Equal("http://digiusher-query:8080", manifests.Single<V1ConfigMap>("digiusher-reports").Data["Services__Query"]);
        Assert.NotNull(manifests.Single<V1Service>("digiusher-reports"));
        Assert.DoesNotContain(manifests.OfKind<V1Job>(), j => j.Metadata.Name == "digiusher-reports-migrate");
        Assert.Contains(Assert.Single(manifests.OfKind<V1Ingress>()).Spec.Rules[0].Http.Paths, p => p.Path == "/api/v1/reports" && p.Backend.Service.Name == "digiusher-reports");
        var query = manifests.Single<V1NetworkPolicy>("digiusher-query");
        Assert.Contains(query.Spec.Ingress, r => r.FromProperty.Any(p => p.PodSelector?.MatchLabels?.TryGetValue("app.kubernetes.io/component", out var component) == true && component == "reports"));
    }

    [Theory]
    [InlineData("ingres.host=api.example.com", "additional properties 'ingres' not allowed")]
    [InlineData("services.query.replicas=3", "additional properties 'replicas' not allowed")]
    [InlineData("services.curParser.keda.protocol=https", "/services/curParser/keda/protocol")]
    [InlineData("postgres.port=0", "/postgres/port")]
    public async Task HelmTemplate_WhenAValueIsMisspelledOrOutOfRange_TheSchemaRefusesIt(string setting, string reason)
    {
        var (exitCode, _, error) = await KubernetesTools.TryHelmAsync("template", "digiusher", KubernetesTools.Chart, "--set", setting);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelmTemplate_WhenAServiceIsDisabled_RendersNothingOfIt()
    {
        // The console calls ResourceDiscovery (owner rules), so it goes too; leaving it would fail
        // the render with "services.console.calls: resourceDiscovery is not an enabled service".
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync(
            "--set", "services.resourceDiscovery.enabled=false", "--set", "services.console.enabled=false"));

        Assert.DoesNotContain(manifests.OfKind<V1Deployment>(), d => d.Metadata.Name == "digiusher-resource-discovery");
        Assert.DoesNotContain(manifests.OfKind<V1Deployment>(), d => d.Metadata.Name == "digiusher-console");
        Assert.DoesNotContain(Assert.Single(manifests.OfKind<V1Ingress>()).Spec.Rules[0].Http.Paths, p => p.Path == "/api/v1/owner-rules");
    }

    [Fact]
    public async Task HelmTemplate_WhenAServiceOthersCallIsDisabled_RefusesNamingTheCaller()
    {
        var (exitCode, _, error) = await KubernetesTools.TryHelmAsync("template", "digiusher", KubernetesTools.Chart,
            "--set", "services.resourceDiscovery.enabled=false");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("services.console.calls: resourceDiscovery is not an enabled service", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_WhenRendered_UsesTheNamesTheServicesRead()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync("--set", "telemetry.otlpEndpoint=http://otel:4317"));

        foreach (var component in Components)
        {
            var data = manifests.Single<V1ConfigMap>($"digiusher-{component}").Data;
            Assert.Equal("rabbitmq", data["RabbitMq__Host"]);
            Assert.Equal("5672", data["RabbitMq__Port"]);
            Assert.Equal("/", data["RabbitMq__VirtualHost"]);
            Assert.Equal("http://otel:4317", data["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("8080", data["ASPNETCORE_HTTP_PORTS"]);
            Assert.True(data.ContainsKey("Aws__ServiceUrl"));
            Assert.Equal(component == "query", data.ContainsKey("Services__CurParser"));
        }

        Assert.Equal("http://digiusher-cur-parser:8080", manifests.Single<V1ConfigMap>("digiusher-query").Data["Services__CurParser"]);
        Assert.Equal("k1", manifests.Single<V1ConfigMap>("digiusher-data-source").Data["Credentials__EncryptionKeys__0__Id"]);
    }

    [Fact]
    public async Task Email_WhenAnSmtpServerIsGiven_OnlyTheTokenIssuerSendsWithThePasswordFromASecretAndTheConsolesLinks()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync(
            "--set", "email.smtp.host=smtp.example.com", "--set", "email.smtp.from=DigiUsher <no-reply@example.com>",
            "--set", "email.smtp.username=digiusher", "--set", "email.smtp.existingSecret=digiusher-smtp", "--set", "ingress.host=finops.example.com"));

        var dataSource = manifests.Single<V1ConfigMap>("digiusher-data-source").Data;
        Assert.Equal("smtp.example.com", dataSource["Email__Smtp__Host"]);
        Assert.Equal("587", dataSource["Email__Smtp__Port"]);
        Assert.Equal("StartTls", dataSource["Email__Smtp__Security"]);
        Assert.Equal("DigiUsher <no-reply@example.com>", dataSource["Email__Smtp__From"]);
        Assert.Equal("digiusher", dataSource["Email__Smtp__Username"]);
        Assert.Equal("https://finops.example.com/reset-password?code={code}", dataSource["Email__PasswordResetLink"]);
        Assert.Equal("https://finops.example.com/verify-email?code={code}", dataSource["Email__EmailVerificationLink"]);
        var password = Assert.Single(manifests.Single<V1Deployment>("digiusher-data-source").Spec.Template.Spec.Containers[0].Env, e => e.Name == "Email__Smtp__Password");
        Assert.Equal(("digiusher-smtp", "password"), (password.ValueFrom.SecretKeyRef.Name, password.ValueFrom.SecretKeyRef.Key));
        foreach (var component in Components.Where(c => c != "data-source"))
        {
            Assert.DoesNotContain(manifests.Single<V1ConfigMap>($"digiusher-{component}").Data.Keys, k => k.StartsWith("Email__", StringComparison.Ordinal));
        }

        // Without a host nothing is sent (the mails wait in the outbox); a host without a sender is refused at render time.
        var none = Manifests.Parse(await KubernetesTools.TemplateAsync()).Single<V1ConfigMap>("digiusher-data-source").Data;
        Assert.DoesNotContain(none.Keys, k => k.StartsWith("Email__", StringComparison.Ordinal));
        var (exitCode, _, error) = await KubernetesTools.TryHelmAsync("template", "digiusher", KubernetesTools.Chart, "--set", "email.smtp.host=smtp.example.com");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("email.smtp.from is required", error, StringComparison.Ordinal);
    }
}
