package discovery

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

// fakeReader is a client.Reader for the handler's unit test; the real cache is used
// by the envtest suite in controller/offers.
type fakeReader struct{ err error }

func (f *fakeReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return f.err
}

func (f *fakeReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return f.err
}

func (l *listReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if l.err != nil {
		return l.err
	}
	list.(*v1alpha1.ServiceOfferList).Items = append([]v1alpha1.ServiceOffer(nil), l.items...)
	return nil
}
