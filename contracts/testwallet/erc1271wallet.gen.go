// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package testwallet

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// ERC1271WalletMetaData contains all meta data concerning the ERC1271Wallet contract.
var ERC1271WalletMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"name\":\"isValidSignature\",\"outputs\":[{\"internalType\":\"bytes4\",\"name\":\"\",\"type\":\"bytes4\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "ERC1271Wallet",
	Bin: "0x60a0604052348015600e575f5ffd5b506040516103fd3803806103fd833981016040819052602b91603b565b6001600160a01b03166080526066565b5f60208284031215604a575f5ffd5b81516001600160a01b0381168114605f575f5ffd5b9392505050565b6080516103796100845f395f8181606e015261012001526103795ff3fe608060405234801561000f575f5ffd5b5060043610610034575f3560e01c80631626ba7e146100385780638da5cb5b14610069575b5f5ffd5b61004b610046366004610291565b6100a8565b6040516001600160e01b031990911681526020015b60405180910390f35b6100907f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b039091168152602001610060565b5f6041821061016e575f806100fd866100c4604184888a610308565b8080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201919091525061018092505050565b5090925090505f8160038111156101165761011661032f565b14801561015457507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316826001600160a01b0316145b1561016b5750630b135d3f60e11b91506101799050565b50505b506001600160e01b03195b9392505050565b5f5f5f83516041036101b7576020840151604085015160608601515f1a6101a9888285856101c9565b9550955095505050506101c2565b505081515f91506002905b9250925092565b5f80807f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a084111561020257505f91506003905082610287565b604080515f808252602082018084528a905260ff891692820192909252606081018790526080810186905260019060a0016020604051602081039080840390855afa158015610253573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b03811661027e57505f925060019150829050610287565b92505f91508190505b9450945094915050565b5f5f5f604084860312156102a3575f5ffd5b83359250602084013567ffffffffffffffff8111156102c0575f5ffd5b8401601f810186136102d0575f5ffd5b803567ffffffffffffffff8111156102e6575f5ffd5b8660208284010111156102f7575f5ffd5b939660209190910195509293505050565b5f5f85851115610316575f5ffd5b83861115610322575f5ffd5b5050820193919092039150565b634e487b7160e01b5f52602160045260245ffdfea26469706673582212206c62d43997bb16edf39787897240d4e9f1b5f1980c522087f3c349c0acf1caba64736f6c63430008250033",
}

// ERC1271Wallet is an auto generated Go binding around an Ethereum contract.
type ERC1271Wallet struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ERC1271Wallet) GetABI() abi.ABI {
	return c.abi
}

// NewERC1271Wallet creates a new instance of ERC1271Wallet.
func NewERC1271Wallet() *ERC1271Wallet {
	parsed, err := ERC1271WalletMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ERC1271Wallet{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ERC1271Wallet) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address owner_) returns()
func (eRC1271Wallet *ERC1271Wallet) PackConstructor(owner_ common.Address) []byte {
	enc, err := eRC1271Wallet.abi.Pack("", owner_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackIsValidSignature is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1626ba7e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isValidSignature(bytes32 hash, bytes signature) view returns(bytes4)
func (eRC1271Wallet *ERC1271Wallet) PackIsValidSignature(hash [32]byte, signature []byte) []byte {
	enc, err := eRC1271Wallet.abi.Pack("isValidSignature", hash, signature)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsValidSignature is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1626ba7e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isValidSignature(bytes32 hash, bytes signature) view returns(bytes4)
func (eRC1271Wallet *ERC1271Wallet) TryPackIsValidSignature(hash [32]byte, signature []byte) ([]byte, error) {
	return eRC1271Wallet.abi.Pack("isValidSignature", hash, signature)
}

// UnpackIsValidSignature is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1626ba7e.
//
// Solidity: function isValidSignature(bytes32 hash, bytes signature) view returns(bytes4)
func (eRC1271Wallet *ERC1271Wallet) UnpackIsValidSignature(data []byte) ([4]byte, error) {
	out, err := eRC1271Wallet.abi.Unpack("isValidSignature", data)
	if err != nil {
		return *new([4]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([4]byte)).(*[4]byte)
	return out0, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (eRC1271Wallet *ERC1271Wallet) PackOwner() []byte {
	enc, err := eRC1271Wallet.abi.Pack("owner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owner() view returns(address)
func (eRC1271Wallet *ERC1271Wallet) TryPackOwner() ([]byte, error) {
	return eRC1271Wallet.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (eRC1271Wallet *ERC1271Wallet) UnpackOwner(data []byte) (common.Address, error) {
	out, err := eRC1271Wallet.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}
