using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.WalletOpened")]
public sealed record WalletOpened([property: Id(0)] bool Created, [property: Id(1)] WalletView Wallet);
