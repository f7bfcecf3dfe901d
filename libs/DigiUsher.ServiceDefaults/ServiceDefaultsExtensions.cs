using System.Text.Json;
using System.Text.Json.Serialization;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DigiUsher.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>The prefix of every ActivitySource and Meter of ours.</summary>
    public const string TelemetryPrefix = "DigiUsher";

    /// <summary>
    /// Prometheus' scrape endpoint (the OpenTelemetry exporter, beside OTLP): every meter, ours
    /// included, in the Prometheus text format. Never routed by the ingress; the chart's
    /// ServiceMonitor or PodMonitor scrapes it.
    /// </summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Telemetry, health checks, problem details, JSON options, the service's Postgres data source,
    /// its migrations and outbox. Call first in every <c>Program.cs</c>.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, DigiUsherService service)
    {
        builder.Services.AddSingleton(service);
        if (OpenApiExtensions.IsGeneratingDocument)
        {
            // The build only reads the endpoints: placeholders satisfy the settings validated on start.
            builder.Configuration.AddInMemoryCollection(DocumentGenerationSettings);
        }
        else
        {
            ProductionSecretsGuard.Check(builder.Configuration, builder.Environment.EnvironmentName);
        }

        builder.Services.TryAddSingleton<ServiceMeter>();
        builder.AddTelemetry(service);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            if (ctx.ProblemDetails.Status == Microsoft.AspNetCore.Http.StatusCodes.Status415UnsupportedMediaType && ctx.ProblemDetails.Detail is null)
            {
                // Routing's own 415 (an endpoint that Accepts JSON) says nothing of what was wrong.
                ctx.ProblemDetails.Detail = $"The body's Content-Type ('{ctx.HttpContext.Request.ContentType?[..Math.Min(100, ctx.HttpContext.Request.ContentType.Length)]}') is not one this operation accepts; "
                    + "send the body as application/json.";
            }

            ctx.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier;
            if (ctx.HttpContext.Response.Headers[CorrelationIdMiddleware.HeaderName] is { Count: > 0 } correlationId)
            {
                ctx.ProblemDetails.Extensions["correlationId"] = correlationId.ToString();
            }
        });
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddOptions<CursorOptions>().BindConfiguration(CursorOptions.Section);
        builder.Services.AddOptions<Quotas.TenantQuotas>().BindConfiguration(Quotas.TenantQuotas.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);

        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");
        builder.Services.AddNpgsqlDataSource(connectionString);
        if (service.Outbox)
        {
            builder.Services.AddSingleton(sp => new OutboxWriter(service.Schema));
            builder.Services.AddHostedService<OutboxDispatcher>();
            builder.Services.AddHostedService<OutboxMetrics>();
        }

        builder.Services.AddSingleton<MigrationRunner>();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        return builder;
    }

    private static readonly Dictionary<string, string?> DocumentGenerationSettings = new()
    {
        ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Timeout=1",
        ["RabbitMq:Host"] = "127.0.0.1",
        ["RabbitMq:Port"] = "1",
        ["Auth:Issuer"] = "http://127.0.0.1:1",
        ["Auth:Authority"] = "http://127.0.0.1:1",
        ["Auth:ClientId"] = "openapi",
        ["Auth:ClientSecret"] = "openapi-document-generation-placeholder",
        ["Credentials:EncryptionKeys:0:Id"] = "openapi",
        ["Credentials:EncryptionKeys:0:Key"] = Convert.ToBase64String(new byte[32]),
        ["Credentials:TransportKey"] = Convert.ToBase64String(new byte[32]),
        ["Services:CurParser"] = "http://127.0.0.1:1",
    };

    /// <summary>Our JSON conventions: camelCase, enums as camelCase strings, instants read as UTC, bounded depth.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.MaxDepth = 32;
        // Numbers are JSON numbers both ways (the web default also reads "42" as 42), as the OpenAPI documents say.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new UtcDateTimeOffsetConverter());
    }

    private static void AddTelemetry(this WebApplicationBuilder builder, DigiUsherService service)
    {
        // Npgsql logs every command at Information: too much for production logs, still traced.
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!builder.Environment.IsDevelopment() || builder.Configuration.GetValue<bool>("Logging:Json"))
        {
            builder.Logging.AddJsonConsole(o => { o.IncludeScopes = true; o.UseUtcTimestamp = true; });
        }

        builder.Logging.AddOpenTelemetry(o => { o.IncludeFormattedMessage = true; o.IncludeScopes = true; });
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: $"digiusher-{service.Name}"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit", "Npgsql", $"{TelemetryPrefix}.*")
                .AddPrometheusExporter())
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                    !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation()
                .AddSource("MassTransit", $"{TelemetryPrefix}.*")
                .AddNpgsql());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
    }

    /// <summary>
    /// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (Postgres and the bus), in
    /// every environment; forwarded headers from the configured proxies only; the correlation-id
    /// middleware; problem details for unhandled errors; authentication and authorization before the
    /// API request rules (undeclared query parameters refused, <see cref="BadParameterException"/> as 400)
    /// and ETags on GETs, so every 401 and 403 is problem details with the correlation id.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseForwardedHeaders(ForwardedHeadersSettings.FromConfiguration(app.Configuration));
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app.MapHealthEndpoints();
    }

    /// <summary>
    /// The correlation-id and control-character middleware and the two health endpoints, without the
    /// JSON problem-details error handling (the console answers people with pages, not problems).
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.UseMiddleware<ClusterOnlyEndpointsMiddleware>();
        app.UseMiddleware<CorrelationIdMiddleware>();
        app.UseMiddleware<ControlCharacterGuardMiddleware>();
        app.UseMiddleware<RateLimitRefusalMiddleware>();
        if (app.Services.GetService<Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider>() is not null)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        app.UseMiddleware<ApiRequestRulesMiddleware>();
        app.UseMiddleware<ETagMiddleware>();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready") })
            .AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Runs the service, or with <c>migrate</c> as first argument applies its schema migrations and
    /// exits (the same command a Kubernetes Job runs). Migrations never run on a normal start, except
    /// in Development with <c>Migrations:ApplyOnStart</c> (set by the launch profile only), so that
    /// <c>dotnet run --project services/X</c> works against a fresh <c>scripts/dev infra up</c>.
    /// </summary>
    public static async Task<int> RunOrMigrateAsync(this WebApplication app, string[] args)
    {
        var migrateOnly = args.Length > 0 && args[0] == "migrate";
        if (migrateOnly || (app.Environment.IsDevelopment() && app.Configuration.GetValue<bool>("Migrations:ApplyOnStart")))
        {
            var runner = app.Services.GetRequiredService<MigrationRunner>();
            var applied = await runner.MigrateAsync(typeof(MigrationRunner).Assembly, System.Reflection.Assembly.GetEntryAssembly()!, CancellationToken.None);
            app.Logger.LogInformation("Migrations applied: {Count}", applied);
            if (migrateOnly)
            {
                return 0;
            }
        }

        await app.RunAsync();
        return 0;
    }

    private sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("select 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("Postgres does not answer.", ex);
            }
        }
    }
}
