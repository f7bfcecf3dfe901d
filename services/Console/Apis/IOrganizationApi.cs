using DigiUsher.Client.DataSource;

namespace DigiUsher.Console.Apis;

/// <summary>The organization's users and service clients (DataSource's <c>/api/v1/users</c>, <c>/api/v1/service-clients</c>).</summary>
public interface IOrganizationApi
{
    Task<IReadOnlyList<UserView>> ListUsersAsync(CancellationToken cancellationToken);

    Task<Invitation> InviteAsync(string email, string role, CancellationToken cancellationToken);

    Task ChangeRoleAsync(Guid userId, string role, CancellationToken cancellationToken);

    Task<IReadOnlyList<ServiceClientView>> ListServiceClientsAsync(CancellationToken cancellationToken);

    Task<ServiceClientCreated> CreateServiceClientAsync(string name, CancellationToken cancellationToken);

    Task RevokeServiceClientAsync(Guid id, CancellationToken cancellationToken);
}

public sealed class OrganizationApi(ApiClients clients) : IOrganizationApi
{
    public Task<IReadOnlyList<UserView>> ListUsersAsync(CancellationToken cancellationToken) =>
        ApiValues.AllAsync<UserView>(async cursor => await clients.DataSource.ListUsersAsync(200, cursor, cancellationToken) is var page ? (page.Items, page.NextCursor) : default);

    public Task<Invitation> InviteAsync(string email, string role, CancellationToken cancellationToken) =>
        clients.DataSource.InviteUserAsync(new InviteUserRequest { Email = email, Role = role }, cancellationToken);

    public Task ChangeRoleAsync(Guid userId, string role, CancellationToken cancellationToken) =>
        clients.DataSource.ChangeUserRoleAsync(userId, new ChangeRoleRequest { Role = role }, cancellationToken);

    public Task<IReadOnlyList<ServiceClientView>> ListServiceClientsAsync(CancellationToken cancellationToken) =>
        ApiValues.AllAsync<ServiceClientView>(async cursor => await clients.DataSource.ListServiceClientsAsync(200, cursor, cancellationToken) is var page ? (page.Items, page.NextCursor) : default);

    public Task<ServiceClientCreated> CreateServiceClientAsync(string name, CancellationToken cancellationToken) =>
        clients.DataSource.CreateServiceClientAsync(new CreateServiceClientRequest { Name = name }, cancellationToken);

    public Task RevokeServiceClientAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.RevokeServiceClientAsync(id, cancellationToken);
}
