using System.Security.Claims;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.DataSource.Secrets;
using DigiUsher.DataSource.Validation;
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
            .WithName("CreateDataSource")
            .WithSummary("Connect an AWS root (payer) account: validates the credentials against the connection guide first");
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
            .WithName("UpdateDataSource")
            .WithSummary("Rename, rotate keys or switch to a role, change bucket, prefix or report (re-validated)");
        group.MapDelete("/{id:guid}", DeleteAsync)
            .RequireScope(Scopes.DataSourcesWrite)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("DeleteDataSource")
            .WithSummary("Disconnect a data source and erase its credentials");
        group.MapPost("/{id:guid}/validate", ValidateAsync)
            .Produces<ValidationReport>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.DataSourcesRefresh)
            .WithName("ValidateDataSource")
            .WithSummary("Check every permission of the connection guide again and detect the reports");
        group.MapPost("/{id:guid}/poll", PollAsync)
            .Produces<PollAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.DataSourcesRefresh)
            .WithName("PollDataSource")
            .WithSummary("Look for new report deliveries now instead of at the next scheduled poll");
        group.MapGet("/{id:guid}/status", StatusAsync)
            .Produces<DataSourceStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.DataSourcesRead)
            .WithName("GetDataSourceStatus")
            .WithSummary("Validation, last poll, last delivery seen, imports per billing period and last discovery");
        return app;
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest http, ClaimsPrincipal user, ConnectionValidator validator, DataSourceStore store, SecretCipher cipher, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<CreateDataSourceRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        DataSourceRules.Name(errors, request.Name, required: true);
        errors.Required("kind", request.Kind, 32);
        if (request.Kind is { Length: <= 32 } kind && kind.Length > 0 && kind != "aws-root")
        {
            errors.Add("kind", "'kind' must be 'aws-root' (the payer account of an AWS Organization).");
        }

        DataSourceRules.Credentials(errors, request.AccessKeyId, request.SecretAccessKey, request.RoleArn, request.ExternalId, required: true);
        DataSourceRules.Location(errors, request.Bucket, request.Prefix, request.ReportName, request.Region, bucketRequired: true);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        ConnectionCredentials credentials = request.RoleArn is not null
            ? new ConnectionCredentials.Role(request.RoleArn, request.ExternalId!)
            : new ConnectionCredentials.AccessKeys(request.AccessKeyId!, request.SecretAccessKey!);
        var prefix = DataSourceRules.NormalizePrefix(request.Prefix);
        var report = await validator.ValidateAsync(new ConnectionTarget(credentials, request.Bucket!, prefix, request.ReportName, request.Region), cancellationToken);
        if (!report.Accepted)
        {
            return Refused(report);
        }

        var id = Guid.CreateVersion7();
        var row = new DataSourceRow
        {
            Id = id,
            OrganizationId = user.GetOrganizationId(),
            Name = request.Name!.Trim(),
            Kind = "aws-root",
            Bucket = request.Bucket!,
            Prefix = prefix,
            ReportName = report.ReportName,
            Region = request.Region ?? report.BucketRegion ?? "us-east-1",
            PayerAccountId = report.PayerAccountId ?? string.Empty,
            DisabledFeatures = [.. report.DisabledFeatures],
            Validation = ValidationJson.Write(report),
            ValidatedAt = report.CheckedAt,
            CreatedByUserId = Guid.Parse(user.GetSubject()),
            CreatedByEmail = user.FindFirstValue(DigiUsherClaims.Email) ?? string.Empty,
        };
        SetCredentials(row, credentials, cipher);
        var now = time.GetUtcNow();
        if (!await store.InsertAsync(row, stored => DataSourceEvents.Connected(stored, now), cancellationToken))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The data source exists already",
                detail: $"This organization already has a data source for payer account {row.PayerAccountId}, bucket '{row.Bucket}', prefix '{row.Prefix}' and report '{row.ReportName}'.");
        }

        var created = await store.GetAsync(row.OrganizationId, id, cancellationToken);
        return TypedResults.Created($"/api/v1/data-sources/{id}", DataSourceView.From(created!));
    }

    private static async Task<IResult> ListAsync(HttpRequest http, ClaimsPrincipal user, DataSourceStore store, CursorCodec cursors, CancellationToken cancellationToken)
    {
        var limit = PageParameters.Limit(http.Query, 50, 200);
        var after = cursors.DecodeAfter(PageParameters.Single(http.Query, "cursor"), ListQuery);
        var rows = await store.ListAsync(user.GetOrganizationId(), after, limit + 1, cancellationToken);
        return TypedResults.Ok(Page<DataSourceView>.Of([.. rows.Select(DataSourceView.From)], limit, v => cursors.EncodeAfter(v.CreatedAt, v.Id, ListQuery)));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, DataSourceStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(user.GetOrganizationId(), id, cancellationToken) is { } row
            ? TypedResults.Ok(DataSourceView.From(row))
            : NotFound(id);

    private static async Task<IResult> UpdateAsync(
        Guid id, HttpRequest http, ClaimsPrincipal user, ConnectionValidator validator, DataSourceStore store, DataSourceCredentialsReader reader,
        SecretCipher cipher, TimeProvider time, CancellationToken cancellationToken)
    {
        var existing = await store.GetAsync(user.GetOrganizationId(), id, cancellationToken);
        if (existing is null)
        {
            return NotFound(id);
        }

        var (request, problem) = await RequestBody.ReadAsync<UpdateDataSourceRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        DataSourceRules.Name(errors, request.Name, required: false);
        DataSourceRules.Credentials(errors, request.AccessKeyId, request.SecretAccessKey, request.RoleArn, request.ExternalId, required: false);
        DataSourceRules.Location(errors, request.Bucket, request.Prefix, request.ReportName, request.Region, bucketRequired: false);
        if (request is { Name: null, AccessKeyId: null, SecretAccessKey: null, RoleArn: null, ExternalId: null, Bucket: null, Prefix: null, ReportName: null, Region: null })
        {
            errors.Add("body", "Nothing to change: give at least one of name, accessKeyId and secretAccessKey, roleArn and externalId, bucket, prefix, reportName, region.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        ConnectionCredentials? newCredentials = request.RoleArn is not null
            ? new ConnectionCredentials.Role(request.RoleArn, request.ExternalId!)
            : request.AccessKeyId is not null ? new ConnectionCredentials.AccessKeys(request.AccessKeyId, request.SecretAccessKey!) : null;
        var prefix = request.Prefix is null ? existing.Prefix : DataSourceRules.NormalizePrefix(request.Prefix);
        var bucket = request.Bucket ?? existing.Bucket;
        var locationChanged = bucket != existing.Bucket || prefix != existing.Prefix
            || (request.ReportName is not null && request.ReportName != existing.ReportName)
            || (request.Region is not null && request.Region != existing.Region);
        var row = new DataSourceRow
        {
            Id = existing.Id,
            OrganizationId = existing.OrganizationId,
            Name = request.Name?.Trim() ?? existing.Name,
            Kind = existing.Kind,
            AuthType = existing.AuthType,
            AccessKeyId = existing.AccessKeyId,
            SecretCiphertext = existing.SecretCiphertext,
            SecretKeyId = existing.SecretKeyId,
            RoleArn = existing.RoleArn,
            ExternalId = existing.ExternalId,
            Bucket = bucket,
            Prefix = prefix,
            ReportName = request.ReportName ?? (locationChanged ? null : existing.ReportName),
            Region = request.Region ?? existing.Region,
            PayerAccountId = existing.PayerAccountId,
            DisabledFeatures = existing.DisabledFeatures,
            Validation = existing.Validation,
            ValidatedAt = existing.ValidatedAt,
        };

        if (newCredentials is not null || locationChanged)
        {
            var credentials = newCredentials ?? reader.CredentialsOf(existing);
            var report = await validator.ValidateAsync(new ConnectionTarget(credentials, bucket, prefix, row.ReportName, request.Region ?? (locationChanged ? null : existing.Region)), cancellationToken);
            if (!report.Accepted)
            {
                return Refused(report);
            }

            row.ReportName = report.ReportName;
            row.Region = request.Region ?? report.BucketRegion ?? existing.Region;
            row.PayerAccountId = report.PayerAccountId ?? existing.PayerAccountId;
            row.DisabledFeatures = [.. report.DisabledFeatures];
            row.Validation = ValidationJson.Write(report);
            row.ValidatedAt = report.CheckedAt;
            if (newCredentials is not null)
            {
                SetCredentials(row, newCredentials, cipher);
            }
        }

        var now = time.GetUtcNow();
        DataSourceRow? stored;
        try
        {
            stored = await store.UpdateAsync(row, existing.Version, s => DataSourceEvents.Updated(s, newCredentials is not null, now), cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Another data source has these settings",
                detail: $"This organization already has a data source for payer account {row.PayerAccountId}, bucket '{row.Bucket}', prefix '{row.Prefix}' and report '{row.ReportName}'.");
        }

        return stored is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The data source changed meanwhile", detail: "Another change was saved first; read it again and retry.")
            : TypedResults.Ok(DataSourceView.From(stored));
    }

    private static async Task<IResult> DeleteAsync(Guid id, ClaimsPrincipal user, DataSourceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var organizationId = user.GetOrganizationId();
        return await store.DeleteAsync(organizationId, id, DataSourceEvents.Removed(organizationId, id, time.GetUtcNow()), cancellationToken)
            ? TypedResults.NoContent()
            : NotFound(id);
    }

    private static async Task<IResult> ValidateAsync(
        Guid id, ClaimsPrincipal user, ConnectionValidator validator, DataSourceStore store, DataSourceCredentialsReader reader, TimeProvider time, CancellationToken cancellationToken)
    {
        var existing = await reader.GetAsync(user.GetOrganizationId(), id, cancellationToken);
        if (existing is not { } found)
        {
            return NotFound(id);
        }

        var row = found.Row;
        var report = await validator.ValidateAsync(new ConnectionTarget(found.Credentials, row.Bucket, row.Prefix, row.ReportName, row.Region), cancellationToken);
        var featuresChanged = report.Accepted && !report.DisabledFeatures.SequenceEqual(row.DisabledFeatures);
        var previousVersion = row.Version;
        row.Validation = ValidationJson.Write(report);
        row.ValidatedAt = report.CheckedAt;
        if (report.Accepted)
        {
            row.DisabledFeatures = [.. report.DisabledFeatures];
        }

        var now = time.GetUtcNow();
        await store.UpdateAsync(row, previousVersion, s => featuresChanged ? DataSourceEvents.Updated(s, false, now) : null, cancellationToken);
        return TypedResults.Ok(report);
    }

    private static async Task<IResult> PollAsync(Guid id, ClaimsPrincipal user, DataSourceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var organizationId = user.GetOrganizationId();
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
        return TypedResults.Ok(DataSourceStatus.From(row, poll, imports, discovery));
    }

    private static void SetCredentials(DataSourceRow row, ConnectionCredentials credentials, SecretCipher cipher)
    {
        switch (credentials)
        {
            case ConnectionCredentials.AccessKeys keys:
                var secret = cipher.Encrypt(keys.SecretAccessKey, row.Id);
                row.AuthType = "access-key";
                row.AccessKeyId = keys.AccessKeyId;
                row.SecretCiphertext = secret.Ciphertext;
                row.SecretKeyId = secret.KeyId;
                row.RoleArn = null;
                row.ExternalId = null;
                break;
            case ConnectionCredentials.Role role:
                row.AuthType = "role";
                row.AccessKeyId = null;
                row.SecretCiphertext = null;
                row.SecretKeyId = null;
                row.RoleArn = role.RoleArn;
                row.ExternalId = role.ExternalId;
                break;
        }
    }

    private static IResult Refused(ValidationReport report) => TypedResults.Problem(
        statusCode: StatusCodes.Status422UnprocessableEntity,
        title: report.Outcome switch
        {
            ValidationReport.CredentialsRejected => "AWS rejected the credentials",
            ValidationReport.BucketNotFound => "The bucket does not exist",
            ValidationReport.RoleNotAssumable => "The role cannot be assumed",
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
