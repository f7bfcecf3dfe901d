namespace DigiUsher.Console.Apis;

/// <summary>The organization's users and service clients (DataSource's <c>/api/v1/users</c>, <c>/api/v1/service-clients</c>).</summary>
public interface IOrganizationApi
{
    Task<IReadOnlyList<UserView>> ListUsersAsync(CancellationToken cancellationToken);

    Task<Invitation> InviteAsync(string email, string role, CancellationToken cancellationToken);

    /// <summary>
    /// False while the API has no role change (issue 18 adds it); the users page then says so
    /// instead of offering a control that cannot work.
    /// </summary>
    bool CanChangeRoles { get; }

    Task<IReadOnlyList<ServiceClientView>> ListServiceClientsAsync(CancellationToken cancellationToken);

    Task<ServiceClientCreated> CreateServiceClientAsync(string name, CancellationToken cancellationToken);

    Task RevokeServiceClientAsync(Guid id, CancellationToken cancellationToken);
}

public sealed class OrganizationApi(ApiClients clients) : IOrganizationApi
{
    public bool CanChangeRoles => false;

    public Task<IReadOnlyList<UserView>> ListUsersAsync(CancellationToken cancellationToken) =>
        clients.DataSource.GetAllAsync<UserView>("api/v1/users?limit=200", int.MaxValue, cancellationToken);

    public Task<Invitation> InviteAsync(string email, string role, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<Invitation>(HttpMethod.Post, "api/v1/users", new { email, role }, cancellationToken);

    public Task<IReadOnlyList<ServiceClientView>> ListServiceClientsAsync(CancellationToken cancellationToken) =>
        clients.DataSource.GetAllAsync<ServiceClientView>("api/v1/service-clients?limit=200", int.MaxValue, cancellationToken);

    public Task<ServiceClientCreated> CreateServiceClientAsync(string name, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<ServiceClientCreated>(HttpMethod.Post, "api/v1/service-clients", new { name }, cancellationToken);

    public Task RevokeServiceClientAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync(HttpMethod.Delete, $"api/v1/service-clients/{id}", null, cancellationToken);
}
