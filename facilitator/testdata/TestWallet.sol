// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title TestWallet: a minimal ERC-1271 smart wallet for the facilitator's tests.
/// @notice A signature is valid when the owner's key signed the hash, so an EIP-3009
/// authorization "from" this contract is paid like a smart-wallet payment.
/// Compiled by compile.js next to it; the artifacts are committed.
contract TestWallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) {
            return 0xffffffff;
        }
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
