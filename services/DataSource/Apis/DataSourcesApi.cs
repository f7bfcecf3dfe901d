using System.Diagnostics;
using System.Security.Claims;
using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Npgsql;

namespace DigiUsher.DataSource.Apis;

public static class DataSourcesApi
{
    public static IEndpointRouteBuilder MapDataSourcesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/data-sources").WithTags("Data sources");

        group.MapPost("/", CreateAsync)
            .RequireScope(Scopes.DataSourcesWrite)
            .Accepts<CreateDataSourceRequest>("application/json")
            .Produces<DataSourceView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .RequireTenantRateLimit(TenantRateLimits.Validations)
            .WithName("CreateDataSource")
            .WithSummary("Connect an AWS root (payer) account, or a member account linked to one (aws-linked): validates the credentials against the connection guide first");
        group.MapGet("/", ListAsync)
            .WithParameters(ApiParameter.Limit(50, 200), ApiParameter.Cursor)
            .Produces<Page<DataSourceView>>()
            .ProducesValidationProblem()
            .RequireScope(Scopes.DataSourcesRead)
            .WithName("ListDataSources")
            .WithSummary("The organization's data sources, oldest first, with cursor pagination");
        group.MapGet("/{id:guid}", GetAsync)
            .Produces<DataSourceView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.DataSourcesRead)
            .WithName("GetDataSource")
            .WithSummary("One data source (never its secret)");
        group.MapPatch("/{id:guid}", UpdateAsync)
            .RequireScope(Scopes.DataSourcesWrite)
            .Accepts<UpdateDataSourceRequest>("application/json")
            .Produces<DataSourceView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithIfMatch()
            .RequireTenantRateLimit(TenantRateLimits.Validations)
            .WithName("UpdateDataSource")
            .WithSummary("Rename, rotate keys or switch to a role, change bucket, prefix or report (re-validated)");
        group.MapDelete("/{id:guid}", DeleteAsync)
            .RequireScope(Scopes.DataSourcesWrite)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithIfMatch()
            .WithName("DeleteDataSource")
            .WithSummary("Disconnect a data source and erase its credentials");
        group.MapPost("/{id:guid}/validate", ValidateAsync)
            .Produces<ValidationReport>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.DataSourcesRefresh)
            .RequireTenantRateLimit(TenantRateLimits.Validations)
            .WithName("ValidateDataSource")
            .WithSummary("Check every permission of the connection guide again and detect the reports");
        group.MapPost("/{id:guid}/poll", PollAsync)
            .Produces<PollAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.DataSourcesRefresh)
            .RequireTenantRateLimit(TenantRateLimits.Polls)
            .WithName("PollDataSource")
            .WithSummary("Look for new report deliveries now instead of at the next scheduled poll");
        group.MapGet("/{id:guid}/status", StatusAsync)
            .Produces<DataSourceStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.DataSourcesRead)
            .WithName("GetDataSourceStatus")
            .WithSummary("Validation, last poll, last delivery seen, imports per billing period (a loading one with its progress) and last discovery");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest http, ClaimsPrincipal user, DataSourceConnector connector, AuditLog audit, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<CreateDataSourceRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var createdBy = new CreatedBy(Guid.Parse(user.GetSubject()), user.FindFirstValue(DigiUsherClaims.Email) ?? string.Empty);
        var outcome = await connector.ConnectAsync(user.GetOrganizationId(), createdBy, request, cancellationToken);
        if (outcome is not DataSourceOutcome.Saved(var row))
        {
            return Answer(outcome, Guid.Empty);
        }

        await audit.RecordAsync(new AuditEntry(row.OrganizationId, AuditActions.DataSourceConnected, TargetType: "data-source", TargetId: row.Id.ToString(),
            Detail: new Dictionary<string, string> { ["name"] = row.Name, ["authType"] = row.AuthType, ["bucket"] = row.Bucket }), cancellationToken);
        return TypedResults.Created($"/api/v1/data-sources/{row.Id}", DataSourceView.From(row));
    }

    private static async Task<IResult> ListAsync(HttpRequest http, ClaimsPrincipal user, DataSourceStore store, CursorCodec cursors, CancellationToken cancellationToken)
    {
        var limit = PageParameters.Limit(http.Query, 50, 200);
        var after = cursors.DecodeAfter(PageParameters.Single(http.Query, "cursor"), ListQuery);
        var rows = await store.ListAsync(user.GetOrganizationId(), after, limit + 1, cancellationToken);
        return TypedResults.Ok(Page<DataSourceView>.Of([.. rows.Select(DataSourceView.From)], limit, v => cursors.EncodeAfter(v.CreatedAt, v.Id, ListQuery)));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, ClaimsPrincipal user, DataSourceStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(user.GetOrganizationId(), id, cancellationToken) is not { } row)
        {
            return NotFound(id);
        }

        return ETags.Answer(http, DataSourceView.ETagOf(row)) ? TypedResults.StatusCode(StatusCodes.Status304NotModified) : TypedResults.Ok(DataSourceView.From(row));
    }

    private static async Task<IResult> UpdateAsync(Guid id, HttpContext http, ClaimsPrincipal user, DataSourceConnector connector, AuditLog audit, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<UpdateDataSourceRequest>(http.Request, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var outcome = await connector.ChangeAsync(user.GetOrganizationId(), id, request, IfMatch(http.Request), cancellationToken);
        if (outcome is DataSourceOutcome.Saved saved)
        {
            http.Response.Headers.ETag = DataSourceView.ETagOf(saved.Row);
            var rotated = request.AccessKeyId is not null || request.SecretAccessKey is not null || request.RoleArn is not null;
            await audit.RecordAsync(new AuditEntry(saved.Row.OrganizationId, rotated ? AuditActions.DataSourceCredentialsRotated : AuditActions.DataSourceUpdated,
                TargetType: "data-source", TargetId: id.ToString(), Detail: new Dictionary<string, string> { ["version"] = saved.Row.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) }), cancellationToken);
        }

        return Answer(outcome, id);
    }

    private static async Task<IResult> DeleteAsync(Guid id, HttpRequest http, ClaimsPrincipal user, DataSourceStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var organizationId = user.GetOrganizationId();
        int? expectedVersion = null;
        if (IfMatch(http) is { } precondition)
        {
            if (await store.GetAsync(organizationId, id, cancellationToken) is not { } current)
            {
                return NotFound(id);
            }

            if (!precondition(current))
            {
                return ETags.PreconditionFailed($"Data source {id}");
            }

            expectedVersion = current.Version;
        }

        try
        {
            if (await store.DeleteAsync(organizationId, id, expectedVersion, DataSourceEvents.Removed(organizationId, id, time.GetUtcNow()), cancellationToken))
            {
                await audit.RecordAsync(new AuditEntry(organizationId, AuditActions.DataSourceRemoved, TargetType: "data-source", TargetId: id.ToString()), cancellationToken);
                return TypedResults.NoContent();
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // Its linked accounts' costs are its imports' lines: they would lose them (data_sources_parent_data_source_id_fkey).
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The data source has linked accounts",
                detail: $"Data source {id} is the root of aws-linked data sources, whose costs come from its reports: remove them first.");
        }

        // Gone, or (with If-Match) changed between the check and the delete.
        return expectedVersion is null || await store.GetAsync(organizationId, id, cancellationToken) is null ? NotFound(id) : ETags.PreconditionFailed($"Data source {id}");
    }

    /// <summary>The request's If-Match against a data source's current ETag (that of its GET); null when the request has none.</summary>
    private static Func<DataSourceRow, bool>? IfMatch(HttpRequest http) =>
        http.Headers.IfMatch.Count == 0 ? null : row => ETags.IfMatchHolds(http, DataSourceView.ETagOf(row));

    private static async Task<IResult> ValidateAsync(Guid id, ClaimsPrincipal user, DataSourceConnector connector, CancellationToken cancellationToken) =>
        await connector.RevalidateAsync(user.GetOrganizationId(), id, cancellationToken) is { } report
            ? TypedResults.Ok(report)
            : NotFound(id);

    private static async Task<IResult> PollAsync(Guid id, ClaimsPrincipal user, DataSourceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var organizationId = user.GetOrganizationId();
        if (await store.GetAsync(organizationId, id, cancellationToken) is { Kind: DataSourceChange.AwsLinked } linked)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "A linked data source has no reports of its own",
                detail: $"Data source {id} is billed by the reports of its root data source {linked.ParentDataSourceId}: poll that one.");
        }

        var now = time.GetUtcNow();
        var change = DataSourceEvents.PollRequested(organizationId, id, Guid.CreateVersion7(), now);
        return await store.AddEventIfExistsAsync(organizationId, id, change, cancellationToken)
            ? TypedResults.Accepted($"/api/v1/data-sources/{id}/status", new PollAccepted(id, ((DigiUsher.Contracts.PollRequested)change.Message).IdempotencyKey, now))
            : NotFound(id);
    }

    private static async Task<IResult> StatusAsync(Guid id, ClaimsPrincipal user, DataSourceStore store, StatusStore status, CancellationToken cancellationToken)
    {
        var row = await store.GetAsync(user.GetOrganizationId(), id, cancellationToken);
        if (row is null)
        {
            return NotFound(id);
        }

        var (poll, imports, discovery) = await status.GetAsync(id, cancellationToken);
        var isAdmin = user.FindFirstValue(DigiUsherClaims.Role) == DigiUsherClaims.AdminRole;
        return TypedResults.Ok(DataSourceStatus.From(row, poll, imports, discovery, isAdmin));
    }

    private static IResult Answer(DataSourceOutcome outcome, Guid id) => outcome switch
    {
        DataSourceOutcome.Saved saved => TypedResults.Ok(DataSourceView.From(saved.Row)),
        DataSourceOutcome.Invalid invalid => invalid.Errors.ToProblem(),
        DataSourceOutcome.Refused refused => Refused(refused.Report),
        DataSourceOutcome.Duplicate duplicate => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: duplicate.Existed ? "The data source exists already" : "Another data source has these settings",
            detail: duplicate.Row.Kind == DataSourceChange.AwsLinked
                ? $"This organization already links account {duplicate.Row.AccountId}."
                : $"This organization already has a data source for payer account {duplicate.Row.PayerAccountId}, bucket '{duplicate.Row.Bucket}', prefix '{duplicate.Row.Prefix}' and report '{duplicate.Row.ReportName}'."),
        DataSourceOutcome.ChangedMeanwhile => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict, title: "The data source changed meanwhile", detail: "Another change was saved first; read it again and retry."),
        DataSourceOutcome.PreconditionFailed => ETags.PreconditionFailed($"Data source {id}"),
        DataSourceOutcome.NotFound => NotFound(id),
        DataSourceOutcome.OverQuota over => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The organization's quota of data sources is reached",
            detail: $"This organization has {over.Existing} data sources and its quota is {over.Quota} ({over.Origin}, shown at GET /api/v1/quotas): remove one first.",
            extensions: new Dictionary<string, object?> { ["quota"] = "dataSourcesPerOrganization", ["limit"] = over.Quota }),
        DataSourceOutcome.RoleConnectedElsewhere => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The role is connected by another organization",
            detail: "Another organization has connected this IAM role to DigiUsher, and a role can be connected by one organization only (which one is not said). "
                + "If the role is yours, create a new role for this organization with the external id DigiUsher issues you."),
        _ => throw new UnreachableException(outcome.GetType().Name),
    };

    private static IResult Refused(ValidationReport report) => TypedResults.Problem(
        statusCode: StatusCodes.Status422UnprocessableEntity,
        title: report.Outcome switch
        {
            ValidationReport.CredentialsRejected => "AWS rejected the credentials",
            ValidationReport.BucketNotFound => "The bucket does not exist",
            ValidationReport.RoleNotAssumable => "The role cannot be assumed",
            ValidationReport.ExternalIdNotRequired => "The role's trust policy does not require the external id",
            ValidationReport.NotAMember => "The account is not a member account of the root's AWS Organization",
            ValidationReport.AnotherAccount => "The credentials belong to another account",
            _ => "The credentials cannot read the billing reports",
        },
        detail: report.Error,
        extensions: new Dictionary<string, object?>
        {
            ["outcome"] = report.Outcome,
            ["missingActions"] = report.MissingActions,
            ["permissions"] = report.Permissions,
            ["warnings"] = report.Warnings,
        });

    private static IResult NotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Data source not found",
        detail: $"There is no data source {id} in your organization.");

    // A page continues after the last row's (created_at, id), the order the list is sorted by.
    private const string ListQuery = "data-sources";
}
