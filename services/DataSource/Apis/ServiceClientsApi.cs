using System.Security.Claims;
using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

public static class ServiceClientsApi
{
    private static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);

    public static IEndpointRouteBuilder MapServiceClientsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/service-clients").WithTags("Service clients").RequireScope(Scopes.ServiceClientsWrite);
        group.MapPost("/", CreateAsync)
            .Accepts<CreateServiceClientRequest>("application/json")
            .Produces<ServiceClientCreated>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("CreateServiceClient")
            .WithSummary("Credentials for an internal service that calls the APIs, with the scopes it may use; the secret is shown once");
        group.MapGet("/", ListAsync)
            .WithParameters(ApiParameter.Limit(50, 200), ApiParameter.Cursor)
            .Produces<Page<ServiceClientView>>()
            .ProducesValidationProblem()
            .WithName("ListServiceClients")
            .WithSummary("The organization's service clients, oldest first (never their secrets)");
        group.MapGet("/{id:guid}", GetAsync)
            .Produces<ServiceClientView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetServiceClient")
            .WithSummary("One service client (never its secret)");
        group.MapPost("/{id:guid}/secrets", RotateSecretAsync)
            .Accepts<RotateServiceClientSecretRequest>("application/json")
            .Produces<ServiceClientSecretRotated>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("RotateServiceClientSecret")
            .WithSummary("A new secret (shown once); the older ones keep working for the overlap (default 24 h), then stop");
        group.MapDelete("/{id:guid}", RevokeAsync)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("RevokeServiceClient")
            .WithSummary("Revoke a service client: no new tokens, and its tokens are refused within seconds");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest http, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<CreateServiceClientRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Required("name", request.Name, 100);
        var scopes = request.Scopes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (scopes.Count == 0)
        {
            errors.Add("scopes", $"'scopes' must name at least one of: {Scopes.Format(Scopes.Tenant.Where(s => s.Grantable).Select(s => s.Name))}.");
        }
        else if (scopes.Where(s => !Scopes.IsGrantable(s)).ToList() is { Count: > 0 } refused)
        {
            errors.Add("scopes", $"Not a scope a service client can hold: {string.Join(", ", refused)}. Grantable: {Scopes.Format(Scopes.Tenant.Where(s => s.Grantable).Select(s => s.Name))}.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var id = Guid.CreateVersion7();
        var clientId = "dus_" + id.ToString("N");
        var secret = SecretTokens.New("dss_");
        var name = request.Name!.Trim();
        if (!await store.AddServiceClientAsync(id, user.GetOrganizationId(), name, clientId, scopes, SecretTokens.Hash(secret), Guid.Parse(user.GetSubject()), cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A service client of this name exists",
                detail: $"The organization already has a service client named '{name}'.");
        }

        await audit.RecordAsync(new AuditEntry(user.GetOrganizationId(), AuditActions.ServiceClientCreated, TargetType: "service-client", TargetId: id.ToString(),
            Detail: new Dictionary<string, string> { ["name"] = name, ["scopes"] = Scopes.Format(scopes) }), cancellationToken);
        return TypedResults.Created($"/api/v1/service-clients/{id}", new ServiceClientCreated(id, name, clientId, secret, scopes, time.GetUtcNow()));
    }

    private const string ListQuery = "service-clients";

    private static async Task<IResult> ListAsync(HttpRequest http, ClaimsPrincipal user, IdentityStore store, CursorCodec cursors, CancellationToken cancellationToken)
    {
        var limit = PageParameters.Limit(http.Query, 50, 200);
        var after = cursors.DecodeAfter(PageParameters.Single(http.Query, "cursor"), ListQuery);
        var rows = await store.ListServiceClientsAsync(user.GetOrganizationId(), after, limit + 1, cancellationToken);
        return TypedResults.Ok(Page<ServiceClientView>.Of([.. rows.Select(View)], limit, c => cursors.EncodeAfter(c.CreatedAt, c.Id, ListQuery)));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, IdentityStore store, CancellationToken cancellationToken) =>
        await store.GetServiceClientAsync(user.GetOrganizationId(), id, cancellationToken) is { } row
            ? TypedResults.Ok(View(row))
            : NotFound(id);

    private static ServiceClientView View(ServiceClientRow c) => new(c.Id, c.Name, c.ClientId, c.Scopes, c.CreatedAt, c.RevokedAt);

    private static IResult NotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Service client not found", detail: $"There is no live service client {id} in your organization.");

    private static async Task<IResult> RotateSecretAsync(Guid id, HttpRequest http, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var overlap = DefaultOverlap;
        if (http.ContentLength is > 0)
        {
            var (request, problem) = await RequestBody.ReadAsync<RotateServiceClientSecretRequest>(http, cancellationToken);
            if (request is null)
            {
                return problem!;
            }

            if (request.OverlapHours is { } hours)
            {
                if (hours is < 0 or > 168)
                {
                    var errors = new FieldErrors();
                    errors.Add("overlapHours", "'overlapHours' must be between 0 and 168.");
                    return errors.ToProblem();
                }

                overlap = TimeSpan.FromHours(hours);
            }
        }

        var secret = SecretTokens.New("dss_");
        var previousExpireAt = time.GetUtcNow() + overlap;
        if (!await store.RotateServiceClientSecretAsync(user.GetOrganizationId(), id, SecretTokens.Hash(secret), previousExpireAt, cancellationToken))
        {
            return NotFound(id);
        }

        await audit.RecordAsync(new AuditEntry(user.GetOrganizationId(), AuditActions.ServiceClientSecretRotated, TargetType: "service-client", TargetId: id.ToString(),
            Detail: new Dictionary<string, string> { ["previousSecretsExpireAt"] = previousExpireAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }), cancellationToken);
        var client = (await store.GetServiceClientAsync(user.GetOrganizationId(), id, cancellationToken))!;
        return TypedResults.Created($"/api/v1/service-clients/{id}", new ServiceClientSecretRotated(id, client.ClientId, secret, previousExpireAt));
    }

    private static async Task<IResult> RevokeAsync(Guid id, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await store.RevokeServiceClientAsync(user.GetOrganizationId(), id, time.GetUtcNow(), cancellationToken))
        {
            return NotFound(id);
        }

        await audit.RecordAsync(new AuditEntry(user.GetOrganizationId(), AuditActions.ServiceClientRevoked, TargetType: "service-client", TargetId: id.ToString()), cancellationToken);
        return TypedResults.NoContent();
    }
}
