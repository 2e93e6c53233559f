// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ERC1271Wallet: a TEST-ONLY smart-contract account for signature paths.
/// @notice Lets tests pay with a contract wallet, the case where USDC and EIP3009Token
/// check signatures through ERC-1271 and x402 facilitators call the `bytes signature`
/// overloads. A signature is valid when its first 65 bytes are the owner's ECDSA
/// signature of the hash; any bytes after them are ignored, so tests can produce the
/// longer-than-65-byte signatures real smart wallets send.
contract ERC1271Wallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length >= 65) {
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature[:65]);
            if (err == ECDSA.RecoverError.NoError && recovered == owner) {
                return IERC1271.isValidSignature.selector;
            }
        }
        return 0xffffffff;
    }
}
