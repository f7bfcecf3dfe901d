using System.Security.Claims;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>The caller's organization: its name, and its deletion by an admin.</summary>
public static partial class OrganizationsApi
{
    private static readonly ApiParameter ConfirmName = new("confirmName", ApiParameterType.String,
        "The organization's name, exactly: the confirmation that everything it has is to be deleted.")
    { Required = true, Example = "Acme Corp" };

    public static IEndpointRouteBuilder MapOrganizationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organizations").WithTags("Organizations");
        group.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization()
            .Produces<OrganizationView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetOrganization")
            .WithSummary("Your organization");
        group.MapDelete("/{id:guid}", DeleteAsync)
            .WithParameters(ConfirmName)
            .RequireScope(Scopes.UsersWrite)
            .Produces<OrganizationDeletionAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("DeleteOrganization")
            .WithSummary("Delete your organization and everything it has in every service (admins; confirm with its name): users, service clients, tokens, data sources and their data, owner rules, the audit log");
        return app;
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, OrganizationStore store, CancellationToken cancellationToken) =>
        id == user.GetOrganizationId() && await store.NameAsync(id, cancellationToken) is { } name
            ? TypedResults.Ok(new OrganizationView(id, name))
            : NotFound(id);

    private static async Task<IResult> DeleteAsync(Guid id, HttpRequest http, ClaimsPrincipal user, OrganizationStore store, TimeProvider time, ILogger<OrganizationStore> logger, CancellationToken cancellationToken)
    {
        if (id != user.GetOrganizationId())
        {
            return NotFound(id);
        }

        var confirmName = PageParameters.Single(http.Query, "confirmName")
            ?? throw new BadParameterException("confirmName", "confirmName is required: repeat the organization's name exactly to confirm that everything it has is deleted.");
        var now = time.GetUtcNow();
        switch (await store.DeleteAsync(id, confirmName, dataSource => DataSourceEvents.Removed(id, dataSource, now), DataSourceEvents.OrganizationDeleted(id, now), now, cancellationToken))
        {
            case OrganizationDeletion.NotFound:
                return NotFound(id);
            case OrganizationDeletion.NameMismatch:
                throw new BadParameterException("confirmName", "confirmName is not the organization's name; nothing was deleted.");
        }

        // The audit log went with the organization: the operators' logs keep who deleted it.
        LogDeleted(logger, id, user.GetSubject());
        return TypedResults.Json(new OrganizationDeletionAccepted(id,
            "Deleted: no one can sign in to it any more, and every service purges its data within minutes."), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult NotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Organization not found", detail: $"{id} is not your organization.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Organization {OrganizationId} deleted by {Subject}")]
    private static partial void LogDeleted(ILogger logger, Guid organizationId, string subject);
}

/// <summary>An organization.</summary>
public sealed record OrganizationView(Guid Id, string Name);

/// <summary>The organization is deleted in DataSource; the other services purge their data from the events.</summary>
public sealed record OrganizationDeletionAccepted(Guid OrganizationId, string Message);
