using DigiUsher.Client.ResourceDiscovery;

namespace DigiUsher.Console.Apis;

/// <summary>The organization's ordered owner rules (ResourceDiscovery's <c>/api/v1/owner-rules</c>).</summary>
public interface IOwnerRulesApi
{
    Task<IReadOnlyList<OwnerRuleResponse>> ListAsync(CancellationToken cancellationToken);

    Task<OwnerRuleResponse> CreateAsync(OwnerRuleRequest request, CancellationToken cancellationToken);

    Task<OwnerRuleResponse> ReplaceAsync(Guid id, OwnerRuleRequest request, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    Task<IReadOnlyList<OwnerRuleResponse>> ReorderAsync(IReadOnlyList<Guid> ruleIds, CancellationToken cancellationToken);
}

public sealed class OwnerRulesApi(ApiClients clients) : IOwnerRulesApi
{
    public Task<IReadOnlyList<OwnerRuleResponse>> ListAsync(CancellationToken cancellationToken) =>
        ApiValues.AllAsync<OwnerRuleResponse>(async cursor => await clients.ResourceDiscovery.ListOwnerRulesAsync(500, cursor, cancellationToken) is var page ? (page.Items, page.NextCursor) : default);

    public Task<OwnerRuleResponse> CreateAsync(OwnerRuleRequest request, CancellationToken cancellationToken) =>
        clients.ResourceDiscovery.CreateOwnerRuleAsync(request, cancellationToken);

    public Task<OwnerRuleResponse> ReplaceAsync(Guid id, OwnerRuleRequest request, CancellationToken cancellationToken)
    {
        // The position is kept on a replacement; the order changes only through ReorderAsync.
        request.Position = null;
        return clients.ResourceDiscovery.ReplaceOwnerRuleAsync(id, request, cancellationToken: cancellationToken);
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        clients.ResourceDiscovery.DeleteOwnerRuleAsync(id, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<OwnerRuleResponse>> ReorderAsync(IReadOnlyList<Guid> ruleIds, CancellationToken cancellationToken) =>
        (await clients.ResourceDiscovery.ReorderOwnerRulesAsync(new ReorderOwnerRulesRequest { RuleIds = ruleIds }, cancellationToken)).Items;
}
