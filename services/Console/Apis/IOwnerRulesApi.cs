namespace DigiUsher.Console.Apis;

/// <summary>A rule to create or replace (ResourceDiscovery's request shape).</summary>
public sealed record OwnerRuleRequest(string Match, string? Key, string? Value, string OwnerEmail, int? Position = null);

/// <summary>The organization's ordered owner rules (ResourceDiscovery's <c>/api/v1/owner-rules</c>).</summary>
public interface IOwnerRulesApi
{
    Task<IReadOnlyList<OwnerRule>> ListAsync(CancellationToken cancellationToken);

    Task<OwnerRule> CreateAsync(OwnerRuleRequest request, CancellationToken cancellationToken);

    Task<OwnerRule> ReplaceAsync(Guid id, OwnerRuleRequest request, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    Task<IReadOnlyList<OwnerRule>> ReorderAsync(IReadOnlyList<Guid> ruleIds, CancellationToken cancellationToken);
}

public sealed class OwnerRulesApi(ApiClients clients) : IOwnerRulesApi
{
    public Task<IReadOnlyList<OwnerRule>> ListAsync(CancellationToken cancellationToken) =>
        clients.ResourceDiscovery.GetAllAsync<OwnerRule>("api/v1/owner-rules?limit=500", int.MaxValue, cancellationToken);

    public Task<OwnerRule> CreateAsync(OwnerRuleRequest request, CancellationToken cancellationToken) =>
        clients.ResourceDiscovery.SendAsync<OwnerRule>(HttpMethod.Post, "api/v1/owner-rules", request, cancellationToken);

    public Task<OwnerRule> ReplaceAsync(Guid id, OwnerRuleRequest request, CancellationToken cancellationToken) =>
        clients.ResourceDiscovery.SendAsync<OwnerRule>(HttpMethod.Put, $"api/v1/owner-rules/{id}", request with { Position = null }, cancellationToken);

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        clients.ResourceDiscovery.SendAsync(HttpMethod.Delete, $"api/v1/owner-rules/{id}", null, cancellationToken);

    public async Task<IReadOnlyList<OwnerRule>> ReorderAsync(IReadOnlyList<Guid> ruleIds, CancellationToken cancellationToken) =>
        (await clients.ResourceDiscovery.SendAsync<Page<OwnerRule>>(HttpMethod.Put, "api/v1/owner-rules/order", new { ruleIds }, cancellationToken)).Items;
}
